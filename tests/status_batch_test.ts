/**
 * status and list take what they need from tmux in batches and read the events from the end
 * only as far as they settle the status (issue 15). Pinned here: the backward reading gives
 * exactly what the whole tail gives, the batched tmux call gives what one call per pane gives
 * (a pane gone mid-batch, a pane that is someone else's, more panes than one command holds, no
 * server), and list and status over a mix of workers — Claude turns mid-way and one lost to an
 * Escape, a gone pane, an exited harness, Codex and Pi workers — print what they printed before.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { eventually, TestEnv } from "../kit/env.ts";
import { TAIL_BYTES } from "../lib/events/jsonl.ts";
import { eventsTail, statusFromEvents, workerEvents } from "../lib/events/query.ts";
import { type PaneIdentity, Tmux } from "../lib/tmux.ts";
import { writeMeta } from "../bench/scale_data.ts";
import { seededRandom } from "./support/random.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** One random event line of launch `launch` (or another launch's, or unstamped). */
function randomEvent(next: () => number, launch: string, big: boolean): Record<string, unknown> {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const event: Record<string, unknown> = {
    ts: "2026-12-01T10:00:00.000Z",
    event: pick([
      "user_prompt_submit",
      "user_prompt_submit",
      "pre_tool_use",
      "post_tool_use",
      "stop",
      "stop",
      "stop_failure",
      "notification",
      "session_start",
      "session_end",
      "subagent_stop",
      "pre_compact",
      "approval_request",
    ]),
    launch: next() < 0.9 ? launch : pick(["other-launch", undefined]),
  };
  if (event.event === "session_start") {
    event.source = pick(["startup", "compact", "clear", "resume"]);
  }
  if (event.event === "session_end") event.reason = pick(["clear", "logout", "other", "resume"]);
  // Big lines make the file outgrow the 256 KB window, so that its cut counts too.
  if (event.event === "user_prompt_submit") event.prompt = "p".repeat(big ? next() * 60_000 : 20);
  return event;
}

Deno.test("eventsTail gives the status the whole 256 KB tail gives, reading back only as needed", () => {
  const dir = Deno.makeTempDirSync();
  try {
    let cut = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const next = seededRandom(seed);
      const launch = "L1";
      const big = seed % 4 === 0;
      const lines = Array.from(
        { length: 1 + Math.floor(next() * (big ? 100 : 25)) },
        () => JSON.stringify(randomEvent(next, launch, big)),
      );
      // Now and then a torn last line and a line that is not an event.
      let text = lines.join("\n") + "\n";
      if (seed % 7 === 0) text += '{"ts":"t","event":"stop"';
      if (seed % 11 === 0) text = `not json\n${text}`;
      const path = `${dir}/${seed}.events.jsonl`;
      Deno.writeTextFileSync(path, text);
      if (text.length > TAIL_BYTES) cut++;
      for (const meta of [{ launch_id: launch }, {}]) {
        for (const harness of [{ busyPromptRunsOwnTurn: true }, {}]) {
          const worker = { meta, paths: { events: path } };
          const whole = workerEvents(worker);
          const tail = eventsTail(worker, harness, { throughPrompt: true });
          const what = `seed ${seed}, ${JSON.stringify(meta)}, ${JSON.stringify(harness)}`;
          assertEquals(tail.status, statusFromEvents(whole, harness), what);
          assertEquals(tail.events, whole.slice(whole.length - tail.events.length), what);
          if (tail.status === "working") {
            assertEquals(
              tail.events.findLast((e) => e.event === "user_prompt_submit"),
              whole.findLast((e) => e.event === "user_prompt_submit"),
              `${what}: the screen check's prompt`,
            );
          }
        }
      }
    }
    assert(cut > 20, `only ${cut} histories outgrew the window`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("eventsTail of a worker mid-turn reads its last events, not its history", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    const turn = (n: number) =>
      [
        { ts: "t", event: "user_prompt_submit", prompt: `prompt ${n}` },
        { ts: "t", event: "pre_tool_use", tool: "Bash" },
        { ts: "t", event: "post_tool_use", tool: "Bash" },
        { ts: "t", event: "stop" },
      ].map((e) => JSON.stringify(e) + "\n").join("");
    Deno.writeTextFileSync(path, Array.from({ length: 300 }, (_, n) => turn(n)).join(""));
    Deno.writeTextFileSync(path, turn(300).split("\n").slice(0, 2).join("\n") + "\n", {
      append: true,
    });
    const worker = { meta: {}, paths: { events: path } };
    const tail = eventsTail(worker, {}, { throughPrompt: true });
    assertEquals(tail.status, "working");
    assertEquals(tail.events.map((e) => e.event), ["user_prompt_submit", "pre_tool_use"]);
    assertEquals(eventsTail(worker, {}).events.map((e) => e.event), ["pre_tool_use"]);
    // Idle: Codex and Pi run at most one turn, so its end settles it; Claude queues prompts,
    // so its idle worker is read back to the window's start (or its last reset), but only the
    // events from its last prompt on are kept.
    const idle = { meta: {}, paths: { events: `${dir}/idle.events.jsonl` } };
    Deno.writeTextFileSync(
      idle.paths.events,
      Array.from({ length: 300 }, (_, n) => turn(n)).join(""),
    );
    assertEquals(eventsTail(idle, {}), { status: "idle", events: [{ ts: "t", event: "stop" }] });
    const queued = eventsTail(idle, { busyPromptRunsOwnTurn: true });
    assertEquals(queued.status, "idle");
    assertEquals(queued.events.map((e) => e.event), [
      "user_prompt_submit",
      "pre_tool_use",
      "post_tool_use",
      "stop",
    ]);
    assertEquals(eventsTail({ meta: {}, paths: { events: `${dir}/none` } }, {}), {
      status: undefined,
      events: [],
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test(
  "panesAndScreens gives what pane() and capture() give, one tmux call for many panes",
  opts,
  async () => {
    const socket = `csd-test-${crypto.randomUUID().slice(0, 12)}`;
    const raw = new Tmux(socket);
    try {
      const ids: { name: string; identity: PaneIdentity }[] = [];
      for (const name of ["s1", "s2", "s3"]) {
        const made = await raw.newSession({
          name,
          cwd: "/",
          command: `printf 'screen of ${name}'; exec sleep 120`,
          width: 40,
          height: 5,
        });
        ids.push({
          name,
          identity: {
            sessionName: name,
            sessionId: made.sessionId,
            paneId: made.paneId,
            server: made.server,
          },
        });
      }
      await eventually(async () => (await raw.capture(ids[2]!.identity.paneId)).includes("screen"));
      const gone = { ...ids[1]!.identity, paneId: "%999" };
      const foreign = { ...ids[0]!.identity, sessionName: "s2" };
      // 150 items (more than one tmux command holds), a gone pane and someone else's among them.
      const items = Array.from({ length: 150 }, (_, n) => ({
        expected: n === 40 ? gone : n === 41 ? foreign : ids[n % 3]!.identity,
        screen: n % 5 !== 0,
      }));
      const batched = await raw.panesAndScreens(items);
      const one = await Promise.all(items.map(async ({ expected, screen }) => {
        const pane = await raw.pane(expected);
        return pane && screen ? { pane, screen: await raw.capture(expected.paneId) } : { pane };
      }));
      assertEquals(batched, one);
      assertEquals(batched[40], { pane: null });
      assertEquals(batched[41], { pane: null });
      assertEquals(batched[42]!.screen?.split("\n")[0], "screen of s1");
      assertEquals(
        await new Tmux(`${socket}-none`).panesAndScreens(items.slice(0, 3)),
        [{ pane: null }, { pane: null }, { pane: null }],
      );
    } finally {
      await raw.raw(["kill-server"]);
      // tmux 3.3a leaves a killed server's socket file behind (see TestEnv.dispose).
      await Deno.remove(`/tmp/tmux-${Deno.uid()}/${socket}`).catch(() => {});
    }
  },
);

/** A meta for a `harness` worker whose pane runs `command` (no harness behind it). */
async function placeholder(
  env: TestEnv,
  name: string,
  harness: string,
  command: string,
  events: Record<string, unknown>[],
): Promise<void> {
  const made = await env.tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-P",
    "-F",
    "#{session_id} #{pane_id}",
    command,
    ";",
    "set-option",
    "-p",
    "remain-on-exit",
    "on",
  );
  const [sessionIdTmux, paneId] = made.stdout.trim().split(" ");
  writeMeta({
    dir: env.workerDir,
    name,
    sessionId: crypto.randomUUID(),
    home: env.home,
    transcriptPath: `${env.home}/${name}.jsonl`,
    socket: env.socket,
    sessionIdTmux: sessionIdTmux!,
    paneId: paneId!,
  });
  const path = `${env.workerDir}/${name}.meta.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({ ...JSON.parse(Deno.readTextFileSync(path)), harness }),
  );
  Deno.writeTextFileSync(
    `${env.workerDir}/${name}.events.jsonl`,
    events.map((e) => JSON.stringify({ harness, ...e }) + "\n").join(""),
  );
}

Deno.test(
  "list and status over a mix of workers: an Escape-lost Claude turn among turns at work, gone, exited, Codex and Pi",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "endless", text: "never", delayMs: 60_000 }] });
      for (const name of ["a", "b", "c", "d"]) {
        await env.launch(name);
        assertEquals((await env.shim(name, ["send", "an endless task"])).code, 0);
      }
      const old = "2026-12-01T10:00:00.000Z";
      const midTurn = [
        { ts: old, event: "session_start", source: "startup" },
        { ts: old, event: "user_prompt_submit", prompt: "go on", turn_id: "t1" },
      ];
      // Their screens show a prompt in no input box: nothing may be derived from them.
      await placeholder(env, "codex1", "codex", "printf 'go on'; exec sleep 120", midTurn);
      await placeholder(env, "pi1", "pi", "printf 'go on'; exec sleep 120", midTurn);
      await placeholder(env, "exited", "claude", "exit 3", midTurn);
      await env.tmux("send-keys", "-t", "=b:", "Escape");
      await env.tmux("kill-session", "-t", "=c");
      const expected = [
        "working a",
        "idle b",
        "gone c",
        "working codex1",
        "working d",
        "terminated exited",
        "working pi1",
      ];
      let shown = "";
      // The screen check leaves a prompt 1.5 s to leave the box before it reads an Escape.
      await eventually(
        async () => {
          const list = await env.csd(["list", "--all"]);
          assertEquals(list.stderr, "");
          shown = list.stdout.split("\n").slice(1, -1).map((l) =>
            l.split("\t").slice(0, 2).join(" ")
          )
            .join("\n");
          return shown === expected.join("\n");
        },
        20_000,
        "list to show b idle",
      ).catch((error) => {
        throw new Error(`${error.message}:\n${shown}`);
      });
      const derived = env.events("b").filter((e) => e.event === "stop_failure");
      assertEquals(derived.map((e) => [e.error, e.derived_from]), [["interrupted", "screen"]]);
      for (const line of expected) {
        const [status, name] = line.split(" ");
        const run = await env.csd(["--worker", name!, "status"]);
        assertEquals(run.stdout, `${status}\n`, name);
      }
      assertEquals(env.events("b").filter((e) => e.event === "stop_failure").length, 1);
      for (const name of ["a", "d", "codex1", "pi1"]) {
        assert(!env.events(name).some((e) => e.event === "stop_failure"), name);
      }
      // status alone sees an Escape too (no list, no wait in between).
      await env.tmux("send-keys", "-t", "=d:", "Escape");
      await eventually(
        async () => (await env.csd(["--worker", "d", "status"])).stdout === "idle\n",
        20_000,
        "status to show d idle",
      );
      assertEquals((await env.csd(["--worker", "a", "status"])).stdout, "working\n");
      // prune takes the same statuses in one go: only the gone and the exited go.
      const prune = await env.csd(["prune"]);
      assertEquals(prune.stdout, "pruned c (gone)\npruned exited (terminated)\n", prune.stderr);
      const left = await env.csd(["list", "--all"]);
      assertEquals(
        left.stdout.split("\n").slice(1, -1).map((l) => l.split("\t").slice(0, 2).join(" ")),
        ["working a", "idle b", "working codex1", "idle d", "working pi1"],
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "list and status after a tmux server restart: the newcomers holding the workers' ids are not read",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "endless", text: "never", delayMs: 60_000 }] });
      const ids: string[] = [];
      for (const name of ["w1", "w2"]) {
        await env.launch(name);
        assertEquals((await env.shim(name, ["send", "an endless task"])).code, 0);
        const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/${name}.meta.json`));
        ids.push(`${meta.tmux_session_id} ${meta.tmux_pane_id}`);
      }
      await env.killServer();
      // Sessions of the same names get the same ids on the new server; their screens show the
      // prompt, as a Claude box holding an interrupted prompt would.
      for (const [at, name] of ["w1", "w2"].entries()) {
        const made = await env.tmux(
          ...["new-session", "-d", "-P", "-F", "#{session_id} #{pane_id}", "-s", name],
          "printf '> an endless task'; exec sleep 120",
        );
        assertEquals(made.stdout.trim(), ids[at]);
      }
      const list = await env.csd(["list", "--all"]);
      assertEquals(
        list.stdout.split("\n").slice(1, -1).map((l) => l.split("\t").slice(0, 2).join(" ")),
        ["gone w1", "gone w2"],
      );
      assertEquals((await env.csd(["list"])).stdout.split("\n").length, 2, "header only");
      for (const name of ["w1", "w2"]) {
        assertEquals((await env.csd(["--worker", name, "status"])).stdout, "gone\n");
        assert(!env.events(name).some((e) => e.event === "stop_failure"), name);
      }
    } finally {
      await env.dispose();
    }
  },
);
