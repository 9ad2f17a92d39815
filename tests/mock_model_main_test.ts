/**
 * Tests for the mock model's command-line entry (kit/mock_model_main.ts).
 *
 * @module
 */

import { assert, assertEquals } from "./support/assert.ts";
import { parseArgs, parseRulesFile, UsageError } from "../kit/mock_model_main.ts";
import { body, user } from "./support/mock_model_client.ts";

Deno.test("parseRulesFile() reads regex rules and options; parseArgs() checks usage", () => {
  const opts = parseRulesFile(
    JSON.stringify({
      rules: [{ match: { regex: "^he", flags: "i" }, replies: [{ kind: "text", text: "x" }] }],
      title: "T",
    }),
    "rules.json",
  );
  const match = opts.rules?.[0]?.match;
  assert(match instanceof RegExp && match.test("Hello"), "regex rule");
  assertEquals(opts.title, "T");
  assertEquals(parseRulesFile("[]", "r").rules, []);
  let error: unknown = null;
  try {
    parseRulesFile('[{"match":"a","replies":[{"kind":"nope"}]}]', "bad.json");
  } catch (err) {
    error = err;
  }
  assert(error instanceof Error && error.message.includes('"bad.json"'), `${error}`);
  assertEquals(parseArgs(["--rules", "r.json", "--log", "l"]), {
    help: false,
    port: 0,
    rules: "r.json",
    log: "l",
  });
  let usage: unknown = null;
  try {
    parseArgs(["--bogus"]);
  } catch (err) {
    usage = err;
  }
  assert(usage instanceof UsageError, `${usage}`);
});

Deno.test("mock_model_main.ts prints its URL, logs requests and stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mock_model_main_" });
  try {
    const rules = `${dir}/rules.json`;
    const log = `${dir}/log.jsonl`;
    await Deno.writeTextFile(
      rules,
      JSON.stringify([{ match: "ping", replies: [{ kind: "text", text: "pong" }] }]),
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../kit/mock_model_main.ts", import.meta.url).pathname]
        .concat(["--rules", rules, "--log", log]),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let line = "";
      const deadline = Date.now() + 20_000;
      while (!line.includes("\n")) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no port line")), deadline - Date.now());
        });
        const { value, done } = await Promise.race([reader.read(), timeout])
          .finally(() => clearTimeout(timer));
        if (done) throw new Error("mock_model_main.ts exited before printing its port");
        line += value;
      }
      const { url } = JSON.parse(line) as { url: string };
      const res = await fetch(`${url}/v1/messages`, {
        method: "POST",
        body: JSON.stringify(body([user("ping")], { stream: false })),
      });
      assertEquals((await res.json()).content, [{ type: "text", text: "pong" }]);
      const logged = (await Deno.readTextFile(log)).trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(logged.map((e) => [e.prompt, e.reply?.text]), [["ping", "pong"]]);
    } finally {
      child.kill("SIGTERM");
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
    }
    const status = await child.status;
    assertEquals(status.code, 0, "exit code after SIGTERM");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
