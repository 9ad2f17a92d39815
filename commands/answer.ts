/** `<shim> answer [<id>] <text>...`: answers a question the worker asked the user. */
import { out, runMain } from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { parseWorkerCommand, PROMPT_ARGS } from "../lib/cli/worker_args.ts";
import { controllerDecides, workerApprovals } from "../lib/approval/controller.ts";
import { isApprovalId, pendingRequests, readRequest } from "../lib/approval/store.ts";

export const HELP = `answer — answer a question the worker asked

USAGE:
  <shim> answer [<id>] <text>...

A question (Claude's AskUserQuestion) waits as an item of kind "question" (see pending), on
every worker. Give one <text> per question the item asks, in order: an option's label or your
own words. Without <id>, the oldest waiting question. Prints the approval_decision event line.
Pi and Codex have no such tool: nothing of theirs waits here.

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 answered, 1 no such worker, nothing waits, unknown or already decided id,
2 the number of answers does not match the questions.`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP, PROMPT_ARGS);
  if (!command) return Promise.resolve(0);
  const words = command.parsed.positionals;
  const id = words.length > 1 && isApprovalId(words[0]!) ? words[0] : undefined;
  const texts = id === undefined ? words : words.slice(1);
  if (texts.length === 0) throw new UsageError("Missing the answer text");
  const { paths } = workerApprovals(command.name);
  const request = id !== undefined
    ? readRequest(paths, id)
    : pendingRequests(paths).find((r) => r.kind === "question");
  const questions = (request?.questions ?? []).map((q) =>
    String((q as { question?: unknown } | null)?.question ?? "")
  );
  if (request && questions.length !== texts.length) {
    throw new UsageError(
      `Cannot answer "${request.id}": it asks ${questions.length} question(s), got ${texts.length} answer(s)`,
    );
  }
  const answers = Object.fromEntries(questions.map((q, i) => [q, texts[i]!]));
  const { line } = controllerDecides(command.name, {
    id: request?.id ?? id,
    decision: "allow",
    kind: "question",
    answers,
  });
  out(`${line}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
