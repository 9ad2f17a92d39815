/** Codex pieces against real 0.169.0 captures: the composer, rollouts, the staged config. */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { codex, composerText, findRollout } from "../lib/harness/codex/harness.ts";
import { failedTurns, lastRolloutTurn, parseRollout } from "../lib/harness/codex/transcript.ts";
import { finalText, renderTurn } from "../lib/transcript/markdown.ts";
import { mergedConfig, mergedHooks } from "../lib/harness/codex/home.ts";
import { parse } from "smol-toml";

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`./fixtures/codex/${name}`, import.meta.url));
}

Deno.test("composerText() reads Codex's composer, not the history", () => {
  assertEquals(composerText(fixture("idle.txt")), "");
  assertEquals(composerText(fixture("pending_short.txt")), "plain turn please");
  assertStringIncludes(composerText(fixture("pending_multiline.txt"))!, "line five");
  assertEquals(composerText(fixture("pending_large.txt")), "[Pasted Content 3720 chars]");
  assertEquals(composerText(fixture("busy.txt")), "");
  assert(codex.isReady([], fixture("idle.txt")));
  assert(!codex.isReady([], fixture("pending_short.txt")));
  assert(codex.promptPending(fixture("pending_short.txt"), "plain turn please"));
  assert(codex.promptPending(fixture("pending_large.txt"), "x".repeat(3720)));
  assert(!codex.promptPending(fixture("idle_after_turns.txt"), "make file please"));
  assertEquals(codex.dialogOnScreen(fixture("pending_multiline.txt")), null);
});

Deno.test("lastRolloutTurn() renders a tool turn with the command's exit code", () => {
  const turn = lastRolloutTurn(parseRollout(fixture("rollout_tool_turn.jsonl")))!;
  assertEquals(turn.prompt, "make file please");
  assertEquals(finalText(turn), "file made");
  const markdown = renderTurn(turn, { full: false });
  assertStringIncludes(markdown, "**Tool: exec_command**");
  assertStringIncludes(markdown, "echo hi > created.txt");
  assertStringIncludes(markdown, "**Result (exit 0):**");
  assert(!markdown.includes("environment_context"), "injected context is not a prompt");
});

Deno.test("failedTurns() finds task_complete errors; the failed turn renders its error", () => {
  const lines = parseRollout(fixture("rollout_failed_turn.jsonl"));
  const failed = [...failedTurns(lines).values()];
  assertEquals(failed.length, 2);
  assertStringIncludes(failed[0]!, "high demand");
  assertStringIncludes(failed[1]!, "mock bad request");
  const thinking = lines.slice(0, lines.findIndex((l) => l.payload?.type === "task_complete") + 1);
  const turn = lastRolloutTurn(thinking)!;
  assertEquals(turn.parts[0]?.kind, "thinking");
});

Deno.test("the staged config keeps the user's provider and adds csd's settings", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(
      `${dir}/config.toml`,
      'model = "gpt-x"\nmodel_provider = "corp"\n[model_providers.corp]\nbase_url = "https://llm.corp/v1"\n[projects."/elsewhere"]\ntrust_level = "trusted"\n[tui]\ntheme = "dark"\n',
    );
    const config = parse(mergedConfig({
      source: dir,
      target: `${dir}/staged`,
      cwd: "/work dir",
      hookCommand: "csd-hook codex",
      model: undefined,
    })) as Record<string, Record<string, unknown>>;
    assertEquals(config.model as unknown, "gpt-x");
    assertEquals(config.model_providers!.corp, { base_url: "https://llm.corp/v1" });
    assertEquals(config.projects!["/elsewhere"], { trust_level: "trusted" });
    assertEquals(config.projects!["/work dir"], { trust_level: "trusted" });
    assertEquals(config.tui!.theme, "dark");
    assertEquals(config.tui!.disable_paste_burst, true);
    assertEquals(config.approval_policy as unknown, "never");
    const withModel = parse(mergedConfig({
      source: dir,
      target: `${dir}/staged`,
      cwd: "/w",
      hookCommand: "h",
      model: "override",
    }));
    assertEquals(withModel.model, "override");
    Deno.writeTextFileSync(
      `${dir}/hooks.json`,
      JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: "command", command: "mine" }] }] } }),
    );
    const hooks = mergedHooks(`${dir}/hooks.json`, "csd-hook codex").hooks as Record<
      string,
      unknown[]
    >;
    assertEquals(hooks.Stop!.length, 2, "the user's own hook stays");
    assertEquals(Object.keys(hooks).length >= 8, true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("findRollout() finds a session's rollout in the dated folders", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/2026/11/21`, { recursive: true });
    const id = "01a1fea1-6b6c-7722-97cb-572cf69e0373";
    Deno.writeTextFileSync(`${dir}/2026/11/21/rollout-2026-11-21T15-02-34-${id}.jsonl`, "");
    assertEquals(findRollout(dir, id), `${dir}/2026/11/21/rollout-2026-11-21T15-02-34-${id}.jsonl`);
    assertEquals(findRollout(dir, "nope"), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
