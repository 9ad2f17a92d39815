/**
 * The harness contract (lib/harness/types.ts): each harness finds an adoptable session where its
 * CLI keeps it, and commands reach harnesses only through the contract.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { harnessFor } from "../lib/harness/mod.ts";
import { HarnessName } from "../lib/schema.ts";
import { harnessWatchDirs } from "../lib/events/reconcile.ts";
import type { Worker } from "../lib/worker/handle.ts";
import { LineCursor, parseEvents } from "../lib/events/jsonl.ts";
import { waitForPromptTurnEnd } from "../lib/turn/wait.ts";
import { Tmux } from "../lib/tmux.ts";

const ID = "0b4c7e2e-5f0e-4b43-9d0e-6f1f6c3a2b11";

function withHome(body: (home: string) => void): void {
  const home = Deno.makeTempDirSync({ prefix: "csd-contract-" });
  try {
    body(home);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
}

function touch(path: string, text = ""): string {
  Deno.mkdirSync(path.replace(/\/[^/]*$/, ""), { recursive: true });
  Deno.writeTextFileSync(path, text);
  return path;
}

Deno.test("findSession(): each harness finds a session where its CLI keeps it, or says where it looked", () => {
  withHome((home) => {
    const where: Record<HarnessName, { searched: string; file: string }> = {
      claude: {
        searched: `${home}/.claude/projects`,
        file: `${home}/.claude/projects/-some-project/${ID}.jsonl`,
      },
      codex: {
        searched: `${home}/.codex/sessions`,
        file: `${home}/.codex/sessions/2026/11/21/rollout-2026-11-21T15-02-34-${ID}.jsonl`,
      },
      pi: {
        searched: `${home}/.pi/agent/sessions`,
        file: `${home}/.pi/agent/sessions/--some-project--/2026-11-21T15-02-34_${ID}.jsonl`,
      },
    };
    for (const name of HarnessName.options) {
      const harness = harnessFor(name);
      assertEquals(harness.findSession(ID, {}, home), {
        path: null,
        searched: where[name].searched,
      });
      touch(where[name].file, "{}\n");
      assertEquals(harness.findSession(ID, {}, home), {
        path: where[name].file,
        searched: where[name].searched,
      });
      assertEquals(harness.findSession("another-session-id", {}, home).path, null, name);
    }
    // Codex and Pi honour the user's own home variables, as they do.
    const codexHome = `${home}/elsewhere-codex`;
    assertEquals(
      harnessFor("codex").findSession(ID, { CODEX_HOME: codexHome }, home).searched,
      `${codexHome}/sessions`,
    );
    const piDir = `${home}/elsewhere-pi`;
    assertEquals(
      harnessFor("pi").findSession(ID, { PI_CODING_AGENT_DIR: piDir }, home).searched,
      `${piDir}/sessions`,
    );
  });
});

Deno.test("commands reach a harness only through the contract (no harness module imported)", () => {
  const own = /from "\.\.\/lib\/harness\/(claude|codex|pi|codex_home|pi_home)\.ts"/;
  for (const entry of Deno.readDirSync(new URL("../commands/", import.meta.url))) {
    if (!entry.name.endsWith(".ts")) continue;
    const source = Deno.readTextFileSync(new URL(`../commands/${entry.name}`, import.meta.url));
    assert(!own.test(source), `commands/${entry.name} imports a harness's internals`);
  }
});

Deno.test("a wait watches a harness's transcript folder only when its transcript proves events", () => {
  // Claude's and Pi's transcripts derive no event (no `reconcile`): watching their folder woke a
  // converse on every transcript write, and finding it cost one more read of the events file.
  const dirs = (name: HarnessName) =>
    harnessWatchDirs({
      harness: harnessFor(name),
      meta: { transcript_path: "/sessions/t.jsonl", launch_id: null },
      paths: { events: "/nonexistent/w.events.jsonl" },
    } as unknown as Worker);
  assertEquals(dirs("claude"), []);
  assertEquals(dirs("pi"), []);
  assertEquals(dirs("codex"), ["/sessions"]);
});

Deno.test("a converse's wait goes on from what its submission read: the events file deleted in between loses no confirmation (F8)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csd-f8-" });
  try {
    const events = `${dir}/w.events.jsonl`;
    const line = (event: string, extra: Record<string, string> = {}) =>
      JSON.stringify({ ts: new Date().toISOString(), event, launch: "L1", ...extra }) + "\n";
    const worker = {
      harness: harnessFor("claude"),
      meta: { name: "w", launch_id: "L1", transcript_path: null, tmux_socket: "csd-f8-none" },
      paths: { events, approvals: `${dir}/approvals`, meta: `${dir}/w.meta.json` },
      // No such server: the wait's pane check finds the pane gone.
      tmux: new Tmux(`csd-f8-${crypto.randomUUID().slice(0, 8)}`),
    } as unknown as Worker;
    const wait = async (handOver: boolean) => {
      // The submission reads the confirmation; then the file is deleted and the hook starts a
      // new one with the turn's stop, before the wait's first read.
      Deno.writeTextFileSync(events, line("user_prompt_submit", { prompt: "p1" }));
      const cursor = new LineCursor(events, 0);
      const seen = parseEvents(cursor.next());
      Deno.removeSync(events);
      Deno.writeTextFileSync(events, line("stop", { last_assistant_message: "done" }));
      return await waitForPromptTurnEnd(
        worker,
        { offset: 0, prompt: "p1" },
        Date.now() + 3000,
        handOver ? { events: seen, cursor } : undefined,
      );
    };
    const handedOver = await wait(true);
    assertEquals(handedOver.kind, "ended");
    // Re-reading from the baseline (before the fix) finds a stop with no prompt before it.
    const reread = await wait(false);
    assert(reread.kind !== "ended", `re-read from the baseline: ${JSON.stringify(reread)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
