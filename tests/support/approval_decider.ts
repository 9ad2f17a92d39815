/**
 * One controller deciding a waiting call, as a separate process (tests/approval_store_test.ts
 * races two of these). Usage: approval_decider.ts <approvals dir> <policy path> <id> <allow|deny>
 * <start-at ms>. Waits until start-at so both processes decide in the same instant; prints
 * `won` or the error and exits 0 or 1.
 */
import { decideAsController } from "../../lib/approval/store.ts";

const [dir, policy, id, decision, startAt] = Deno.args;
const wait = Number(startAt) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));
try {
  decideAsController({ dir: dir!, policy: policy! }, {
    id,
    decision: decision === "deny" ? "deny" : "allow",
    reason: `by ${Deno.pid}`,
  });
  Deno.stdout.writeSync(new TextEncoder().encode("won\n"));
  Deno.exit(0);
} catch (error) {
  Deno.stdout.writeSync(new TextEncoder().encode(`${(error as Error).message}\n`));
  Deno.exit(1);
}
