/**
 * For bench/approval.ts only: the PreToolUse path of the hook as it will be wired — read the
 * payload, record the pre_tool_use line, then (unless BENCH_NO_GATE) ask the gate — so a whole
 * hook process is timed with and without a policy. Not used by csd itself.
 */
import { toEventLine } from "../hooks/to_event.ts";
import { appendEventLine } from "../lib/append.ts";
import { gatePreToolUse } from "../lib/approval/hook.ts";

const eventsFile = Deno.env.get("CSD_EVENTS_FILE")!;
const payload = JSON.parse(await new Response(Deno.stdin.readable).text());
const line = toEventLine("claude", payload, new Date());
if (line) appendEventLine(eventsFile, line);
if (!Deno.env.get("BENCH_NO_GATE")) {
  const answer = await gatePreToolUse("claude", payload, eventsFile);
  if (answer) Deno.stdout.writeSync(new TextEncoder().encode(answer.stdout));
}
