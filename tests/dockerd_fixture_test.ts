/**
 * The Docker fixtures (kit/dockerd.ts, kit/docker_image.ts) themselves: a
 * private daemon starts and stops, the locally built image runs tmux and the harness CLI, and a
 * container on the host network reaches a server on the host's 127.0.0.1 (the mock model).
 */
import { assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { Dockerd } from "../kit/dockerd.ts";
import { withTestContainer } from "../kit/remote.ts";
import { IMAGE_USER, lastImageTimings, testImage } from "../kit/docker_image.ts";
import { HARNESS_DIR } from "../kit/harness_set.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function note(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

Deno.test("Docker fixture: the local image runs tmux and the harness CLI", opts, async () => {
  await withTestContainer(async ({ daemon, container }) => {
    note(
      `dockerd start ${daemon.startMs.toFixed(0)} ms; image ${JSON.stringify(lastImageTimings)}`,
    );
    const socket = ["tmux", "-L", "fixture"];
    await daemon.docker([
      "exec",
      container,
      ...socket,
      "new-session",
      "-d",
      "-s",
      "w",
      "sleep 300",
    ]);
    const sessions = await daemon.docker([
      "exec",
      container,
      ...socket,
      "list-sessions",
      "-F",
      "#{session_name}",
    ]);
    assertEquals(sessions, "w\n");
    const expected = JSON.parse(
      await Deno.readTextFile(`${HARNESS_DIR}/node_modules/@anthropic-ai/claude-code/package.json`),
    ).version;
    const version = await daemon.docker([
      "exec",
      "-u",
      IMAGE_USER.name,
      "-e",
      `HOME=${IMAGE_USER.home}`,
      container,
      "claude",
      "--version",
    ]);
    assertStringIncludes(version, expected);
    assertEquals(
      await daemon.docker(["exec", "-u", IMAGE_USER.name, container, "id", "-un"]),
      "csd\n",
    );
    assertMatch(await daemon.docker(["exec", container, "node", "--version"]), /^v\d+\./);
  });
});

Deno.test(
  "Docker fixture: a host-network container reaches the host's 127.0.0.1",
  opts,
  async () => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response("mock model here"),
    );
    try {
      await withTestContainer(async ({ daemon, container }) => {
        note(
          `dockerd start ${daemon.startMs.toFixed(0)} ms; image ${
            JSON.stringify(lastImageTimings)
          }`,
        );
        const port = server.addr.port;
        const script =
          `fetch("http://127.0.0.1:${port}/").then(r => r.text()).then(t => console.log(t))`;
        assertEquals(
          await daemon.docker(["exec", container, "node", "-e", script]),
          "mock model here\n",
        );
      });
    } finally {
      await server.shutdown();
    }
  },
);

Deno.test(
  "Docker fixture: with --bridge=none a container has loopback only, or the host's network",
  opts,
  async () => {
    const daemon = await Dockerd.start();
    try {
      const tag = await testImage(daemon);
      const interfaces = async (network: string[]) =>
        (await daemon.docker(["run", "--rm", ...network, tag, "ls", "/sys/class/net"])).trim()
          .split("\n").sort();
      assertEquals(await interfaces([]), ["lo"]);
      assertEquals(await interfaces(["--network", "none"]), ["lo"]);
      const host = [...Deno.readDirSync("/sys/class/net")].map((e) => e.name).sort();
      assertEquals(await interfaces(["--network", "host"]), host);
    } finally {
      await daemon.dispose();
    }
  },
);
