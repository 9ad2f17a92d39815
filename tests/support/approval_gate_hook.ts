/**
 * The PreToolUse gate as hooks/event_hook.ts will run it once wired (lib/approval/hook.ts), as a
 * stand-alone hook for tests/approval_gate_real_test.ts, which installs it next to csd's own hook
 * through the user's settings. Usage: approval_gate_hook.ts <claude|codex|pi>, payload on stdin.
 */
import { gatePreToolUse } from "../../lib/approval/hook.ts";
import { HarnessName } from "../../lib/schema.ts";

const harness = HarnessName.parse(Deno.args[0]);
const eventsFile = Deno.env.get("CSD_EVENTS_FILE");
const payload = JSON.parse(await new Response(Deno.stdin.readable).text());
if (eventsFile && payload.hook_event_name === "PreToolUse") {
  const answer = await gatePreToolUse(harness, payload, eventsFile);
  if (answer) {
    Deno.stdout.writeSync(new TextEncoder().encode(answer.stdout));
    Deno.exit(answer.exitCode);
  }
}
