/** The test environment itself (kit/env.ts): what it leaves behind after dispose. */
import { assert, assertEquals } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";

Deno.test("TestEnv.dispose() removes its tmux socket file", async () => {
  const env = await TestEnv.create();
  try {
    const started = await env.tmux("new-session", "-d", "-s", "keep", "sleep 600");
    assertEquals(started.code, 0, started.stderr);
    const reported = await env.tmux("display-message", "-p", "#{socket_path}");
    assertEquals(reported.stdout.trim(), env.socketPath, "the path tmux itself reports");
    assert(exists(env.socketPath), "socket file exists while the server runs");
  } finally {
    await env.dispose();
  }
  assert(!exists(env.socketPath), `${env.socketPath} was left behind`);
  assert(!exists(env.root), `${env.root} was left behind`);
});

Deno.test("TestEnv.dispose() removes the socket file of a server that already exited", async () => {
  const env = await TestEnv.create();
  try {
    const started = await env.tmux("new-session", "-d", "-s", "brief", "true");
    assertEquals(started.code, 0, started.stderr);
    // The session ends with its command, and the server with its last session.
    await eventually(async () => (await env.tmux("list-sessions")).code !== 0, 10_000, "exit");
    assert(exists(env.socketPath), "tmux leaves the socket file after its server exits");
  } finally {
    await env.dispose();
  }
  assert(!exists(env.socketPath), `${env.socketPath} was left behind`);
});
