/**
 * `make demo`: the main job on a fresh machine, end to end with the REAL Claude Code CLI, offline.
 * Starts the project's mock model on 127.0.0.1, launches a claude worker in a temp folder through
 * csd, converses two turns (the second runs a tool that writes a file), prints the read-turn
 * markdown and a summary of the event stream, stops the worker and the mock. Everything lives in
 * a temp folder and a private tmux server, removed at the end.
 */
import { MockModel } from "../kit/mock_model.ts";
import { REPO } from "../kit/env.ts";
import { CLAUDE_BIN, MOCK_KEY } from "../kit/real_claude.ts";

const root = Deno.realPathSync(await Deno.makeTempDir({ prefix: "csd-demo-" }));
const home = `${root}/home`;
const project = `${root}/project`;
const socket = `csd-demo-${Deno.pid}`;
await Deno.mkdir(project, { recursive: true });
await Deno.mkdir(home, { recursive: true });
await Deno.writeTextFile(
  `${home}/.claude.json`,
  JSON.stringify({
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: [MOCK_KEY.slice(-20)], rejected: [] },
    projects: { [project]: { hasTrustDialogAccepted: true } },
  }),
);

const mock = await MockModel.start({
  rules: [
    {
      match: "Introduce yourself",
      replies: [{ kind: "text", text: "Hello! I am a csd worker, ready for a task." }],
    },
    {
      match: "Write a haiku",
      replies: [
        {
          kind: "tool",
          name: "Bash",
          input: {
            command: "printf 'tmux holds the session\\nevents flow as JSON lines\\n" +
              "the controller waits\\n' > haiku.txt && cat haiku.txt",
            description: "Write the haiku to haiku.txt",
          },
        },
        { kind: "text", text: "I wrote the haiku to haiku.txt." },
      ],
    },
  ],
});

const env: Record<string, string> = {
  PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  LANG: "C.UTF-8",
  HOME: home,
  CSD_WORKER_DIR: `${root}/workers`,
  CSD_TMUX_SOCKET: socket,
  CSD_CLAUDE_BIN: CLAUDE_BIN,
  CSD_LAUNCH_TIMEOUT: "60",
  ANTHROPIC_BASE_URL: mock.url,
  ANTHROPIC_API_KEY: MOCK_KEY,
  IS_SANDBOX: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
};

async function run(program: string, args: string[]): Promise<string> {
  const shown = [
    program.replace(`${root}/workers/bin/`, "$WORKER_DIR/bin/").replace(REPO + "/", ""),
    ...args,
  ]
    .map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ");
  log(`\n$ ${shown}`);
  const output = await new Deno.Command(program, {
    args,
    env,
    clearEnv: true,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (stderr.trim()) log(stderr.trimEnd().replace(/^/gm, "  stderr| "));
  if (output.code !== 0) throw new Error(`${shown} exited ${output.code}`);
  return stdout;
}

function log(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

let code = 0;
const csd = `${REPO}/bin/csd`;
try {
  log(
    `csd demo: real claude (${
      CLAUDE_BIN.replace(REPO + "/", "")
    }) against the mock model at ${mock.url}`,
  );
  await run(csd, ["grant-consent", "--yes"]);
  const shim = (await run(csd, ["launch", "demo", project])).trim();
  log(`shim: ${shim}`);
  log((await run(shim, ["converse", "Introduce yourself in one sentence.", "120"])).trimEnd());
  log((await run(shim, ["converse", "Write a haiku about tmux to haiku.txt.", "120"])).trimEnd());
  log(
    `\nhaiku.txt on disk (verify the artifact, not the prose):\n${await Deno.readTextFile(
      `${project}/haiku.txt`,
    )}`,
  );
  log((await run(shim, ["read-turn"])).trimEnd());
  const events = (await run(shim, ["read-events"])).trim().split("\n").map((l) => JSON.parse(l));
  log("\nevent stream summary:");
  for (const e of events) {
    const detail = e.tool
      ? ` ${e.tool}`
      : e.prompt
      ? ` "${e.prompt.slice(0, 40)}"`
      : e.source
      ? ` (${e.source})`
      : "";
    log(`  ${e.ts}  ${e.event}${detail}`);
  }
  log((await run(csd, ["list"])).trimEnd());
  await run(shim, ["stop"]);
  log("\ndemo finished: worker stopped, mock model closed.");
} catch (error) {
  log(`\ndemo FAILED: ${error instanceof Error ? error.message : error}`);
  code = 1;
} finally {
  await new Deno.Command("tmux", { args: ["-L", socket, "kill-server"], stderr: "null" }).output();
  // tmux 3.3a leaves the socket file of a killed server behind: a demo per CI run piled them up.
  await Deno.remove(`/tmp/tmux-${Deno.uid()}/${socket}`).catch(() => {});
  await mock.close();
  await Deno.remove(root, { recursive: true }).catch(() => {});
}
Deno.exit(code);
