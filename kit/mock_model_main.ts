/**
 * Command-line entry for the mock model server, for `make demo` and manual probing.
 *
 * Prints one JSON line `{"port":N,"url":"http://127.0.0.1:N"}` on stdout once listening (a
 * caller reads that line instead of guessing a port), then serves until SIGTERM or SIGINT.
 *
 * @example
 * ```sh
 * deno run -A kit/mock_model_main.ts --rules rules.json --log /tmp/mock.jsonl
 * ```
 *
 * @module
 */

import { z } from "zod";
import { MockModel, type MockModelOptions, type Reply, type Rule } from "./mock_model.ts";

const HELP = `mock_model_main.ts — scripted mock model server on 127.0.0.1

USAGE:
  deno run -A kit/mock_model_main.ts [--rules FILE] [--log FILE] [--port N]

OPTIONS:
  --rules FILE  JSON rules: an array of {"match": "substring" | {"regex": "…", "flags": "i"},
                "replies": [Reply…]}, or {"rules": [...], "defaultReply": Reply, "title": "…"}
  --log FILE    append every request as one JSON line
  --port N      port to listen on (default 0: a free port)
  -h, --help    show this help

Serves POST /v1/messages (Anthropic, Claude Code), /v1/responses (OpenAI Responses, Codex) and
/v1/chat/completions (OpenAI Chat Completions, Pi). A "tool" reply named Bash/bash/shell/
exec_command with input.command becomes Codex's exec_command {cmd} and Pi's bash {command}.
Prints {"port":N,"url":"…"} on one stdout line when listening; serves until SIGTERM/SIGINT.
`;

/** A usage error: printed with the help text, exit code 2. */
export class UsageError extends Error {}

/** Parsed command-line arguments. */
export interface MainArgs {
  help: boolean;
  rules?: string;
  log?: string;
  port: number;
}

/**
 * Parses the command line.
 *
 * @throws {UsageError} On unknown options or missing values.
 */
export function parseArgs(argv: readonly string[]): MainArgs {
  const out: MainArgs = { help: false, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`Cannot parse arguments: ${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "-h":
      case "--help":
        out.help = true;
        break;
      case "--rules":
        out.rules = value();
        break;
      case "--log":
        out.log = value();
        break;
      case "--port": {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) {
          throw new UsageError(`Cannot parse arguments: bad port "${v}"`);
        }
        out.port = n;
        break;
      }
      default:
        throw new UsageError(`Cannot parse arguments: unknown argument "${arg}"`);
    }
  }
  return out;
}

const ReplySchema: z.ZodType<Reply> = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("text"),
    text: z.string(),
    thinking: z.string().optional(),
    delayMs: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal("tool"),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
    also: z.array(z.strictObject({ name: z.string(), input: z.record(z.string(), z.unknown()) }))
      .optional(),
    text: z.string().optional(),
    thinking: z.string().optional(),
    delayMs: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal("error"),
    status: z.number().int().min(400).max(599),
    message: z.string(),
    delayMs: z.number().nonnegative().optional(),
  }),
]) as z.ZodType<Reply>;

/** JSON cannot hold a RegExp, so a rule file spells one as `{"regex": "…", "flags": "…"}`. */
const RuleSchema = z.strictObject({
  match: z.union([
    z.string(),
    z.strictObject({ regex: z.string(), flags: z.string().optional() }),
  ]),
  replies: z.array(ReplySchema).min(1),
});

const RulesFileSchema = z.union([
  z.array(RuleSchema),
  z.strictObject({
    rules: z.array(RuleSchema).optional(),
    defaultReply: ReplySchema.optional(),
    title: z.string().optional(),
  }),
]);

/**
 * Reads a rules file into server options.
 *
 * @throws {Error} When the file is not valid JSON or not in the rules shape.
 */
export function parseRulesFile(text: string, name: string): MockModelOptions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse rules file "${name}": ${(err as Error).message}`);
  }
  const parsed = RulesFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Cannot parse rules file "${name}": ${z.prettifyError(parsed.error)}`);
  }
  const file = Array.isArray(parsed.data) ? { rules: parsed.data } : parsed.data;
  const rules: Rule[] = (file.rules ?? []).map((r) => ({
    match: typeof r.match === "string" ? r.match : new RegExp(r.match.regex, r.match.flags),
    replies: r.replies,
  }));
  const opts: MockModelOptions = { rules };
  if ("defaultReply" in file && file.defaultReply) opts.defaultReply = file.defaultReply;
  if ("title" in file && file.title !== undefined) opts.title = file.title;
  return opts;
}

function write(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

/**
 * Runs the server until SIGTERM/SIGINT.
 *
 * @returns The exit code: 0 after a signal, 1 on errors, 2 on usage errors.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: MainArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    write(Deno.stderr, `${HELP}\nerror: ${err.message}\n`);
    return 2;
  }
  if (args.help) {
    write(Deno.stdout, HELP);
    return 0;
  }
  let opts: MockModelOptions = {};
  try {
    if (args.rules !== undefined) {
      opts = parseRulesFile(await Deno.readTextFile(args.rules), args.rules);
    }
  } catch (err) {
    write(Deno.stderr, `error: ${(err as Error).message}\n`);
    return 1;
  }
  const logFile = args.log;
  if (logFile !== undefined) {
    // Synchronous appends keep lines whole and in order, and on disk before the reply is sent.
    opts.onRequest = (entry) =>
      Deno.writeTextFileSync(logFile, JSON.stringify(entry) + "\n", { append: true });
  }
  opts.port = args.port;
  const mock = await MockModel.start(opts);
  const stopped = new Promise<void>((resolve) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, resolve);
  });
  write(Deno.stdout, JSON.stringify({ port: mock.port, url: mock.url }) + "\n");
  await stopped;
  await mock.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
