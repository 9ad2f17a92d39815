/** The worker dir's safety checks, and readers meeting half-written files. */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { TestEnv } from "./support/env.ts";
import { LineCursor, readEventsFrom, readLinesFrom } from "../lib/jsonl.ts";
import { parseEventLine } from "../lib/schema.ts";
import { statusFromEvents } from "../lib/events.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "launch refuses a worker dir that is a symlink elsewhere or owned by another user",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      Deno.mkdirSync(`${env.root}/elsewhere`);
      Deno.symlinkSync(`${env.root}/elsewhere`, env.workerDir);
      const linked = await env.csd(["launch", "w", env.project]);
      assertEquals(linked.code, 1);
      assertStringIncludes(linked.stderr, "it is a symlink to");
      assertEquals(
        [...Deno.readDirSync(`${env.root}/elsewhere`)].length,
        0,
        "nothing written there",
      );
      Deno.removeSync(env.workerDir);

      if (Deno.uid() === 0) {
        Deno.mkdirSync(env.workerDir, { mode: 0o700 });
        Deno.chownSync(env.workerDir, 4242, 4242);
        const foreign = await env.csd(["launch", "w", env.project]);
        assertEquals(foreign.code, 1);
        assertStringIncludes(foreign.stderr, "owned by uid 4242");
        Deno.removeSync(env.workerDir);
      }
      // A fresh one is created private, with its subfolders.
      Deno.mkdirSync(env.workerDir, { mode: 0o777 });
      Deno.chmodSync(env.workerDir, 0o777);
      assertEquals((await env.csd(["launch", "w", env.project])).code, 0);
      assertEquals(Deno.statSync(env.workerDir).mode! & 0o777, 0o700, "tightened to 0700");
      assertEquals(Deno.statSync(`${env.workerDir}/w.meta.json`).mode! & 0o777, 0o600);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("readers take only complete lines: a half-written last line waits for its newline", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    const stop = JSON.stringify({ ts: "t", event: "stop" });
    Deno.writeTextFileSync(path, JSON.stringify({ ts: "t", event: "user_prompt_submit" }) + "\n");
    Deno.writeTextFileSync(path, stop.slice(0, 10), { append: true });
    assertEquals(readEventsFrom(path).map((e) => e.event.event), ["user_prompt_submit"]);
    assertEquals(statusFromEvents(readEventsFrom(path).map((e) => e.event)), "working");
    const cursor = new LineCursor(path, 0);
    assertEquals(cursor.next().length, 1);
    assertEquals(cursor.next().length, 0, "the torn line is not consumed");
    Deno.writeTextFileSync(path, stop.slice(10) + "\n", { append: true });
    const rest = cursor.next();
    assertEquals(rest.length, 1);
    assertEquals(parseEventLine(rest[0]!.text)?.event, "stop");
    assertEquals(readLinesFrom(`${dir}/missing`, 0), []);
    assertEquals(parseEventLine("{not json"), undefined);
    assertEquals(parseEventLine('{"ts":"t","event":"bogus"}'), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("statusFromEvents(): session_start never hides a running turn", () => {
  const e = (event: string) => ({ ts: "t", event }) as never;
  assertEquals(statusFromEvents([e("session_start")]), "idle");
  assertEquals(statusFromEvents([e("user_prompt_submit"), e("session_start")]), "working");
  assertEquals(statusFromEvents([e("stop"), e("notification")]), "idle");
  assertEquals(statusFromEvents([e("stop_failure")]), "idle");
  assertEquals(statusFromEvents([e("session_end")]), "terminated");
  assertEquals(statusFromEvents([]), undefined);
  assert(
    statusFromEvents([e("user_prompt_submit"), e("subagent_stop")]) === "working",
    "a subagent's stop ends no turn",
  );
});
