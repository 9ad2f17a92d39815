// A scripted stand-in for the real `claude` CLI (2.1.197), for csd's fast test layer.
//
// It runs in a tmux pane where the real one would, draws a TUI with the same markers (input box
// borders, the "❯\u00a0" prompt glyph, collapsed "[Pasted text #N +M lines]" pastes, the
// folder-trust dialog), fires the same hook events with the same payload shapes, and writes a
// transcript in Claude's JSONL format. Everything it does is decided by FAKE_CLAUDE_SCRIPT (a JSON
// file, see `Script` in fake/script.ts), so tests are deterministic.
//
// Its modules (tests/support/fake/, one per section: script, args, settings, util, state, hooks,
// transcript, screen, input, turns, lifecycle, terminal, system) import only each other, by
// relative path, and nothing else: no npm:, jsr:, URL or import-map name, and no file outside
// tests/support/fake/. That is load-bearing: tests/install_test.ts copies this entry and that
// folder out of the checkout and runs them on the installed Deno with `--no-config` and an empty
// DENO_DIR, where anything that needs a download or the checkout's deno.json fails to load. Plain
// TypeScript, run under `deno run --no-check` so it starts fast.

import { parseArgs } from "./fake/args.ts";
import { FakeClaude } from "./fake/lifecycle.ts";
import { loadScript, setVersion, VERSION } from "./fake/script.ts";
import { loadSettings, type Settings } from "./fake/settings.ts";
import { exists, transcriptPathFor } from "./fake/system.ts";
import { uuid, writeErr, writeOut } from "./fake/util.ts";

async function main() {
  const args = parseArgs(Deno.args);
  const script = loadScript();
  setVersion(script.version);
  if (args.version) {
    writeOut(`${VERSION} (Claude Code)\n`);
    Deno.exit(0);
  }
  if (args.skipPermissions && Deno.uid() === 0 && Deno.env.get("IS_SANDBOX") !== "1") {
    writeErr(
      "--dangerously-skip-permissions cannot be used with root/sudo privileges for security " +
        "reasons\n",
    );
    Deno.exit(1);
  }
  const home = Deno.env.get("HOME") ?? "/";
  const cwd = Deno.cwd();
  let sessionId: string;
  let resuming = false;
  if (args.resume) {
    sessionId = args.resume;
    resuming = true;
    if (!exists(transcriptPathFor(home, cwd, sessionId))) {
      writeErr(`No conversation found with session ID: ${sessionId}\n`);
      Deno.exit(1);
    }
  } else {
    sessionId = args.sessionId ?? uuid();
    if (args.sessionId && exists(transcriptPathFor(home, cwd, sessionId))) {
      writeErr(`Error: Session ID ${sessionId} is already in use.\n`);
      Deno.exit(1);
    }
  }
  if (script.crashAtStart) {
    writeErr((script.crashAtStart.message ?? "fake claude crashed at start") + "\n");
    Deno.exit(script.crashAtStart.exitCode ?? 1);
  }
  let settings: Settings;
  try {
    settings = loadSettings(args.settings);
  } catch (e) {
    writeErr(`Error: Invalid settings: ${e}\n`);
    Deno.exit(1);
  }
  const fake = new FakeClaude(sessionId, resuming, script, settings);
  if (args.print !== null) await fake.printMode(args.print);
  await fake.start(args);
}

if (import.meta.main) await main();
