/**
 * lib/remote/transport.ts against a real Docker daemon (kit/dockerd.ts) and the locally
 * built image: `docker://` runs argv in a running container and `docker-run://` in a fresh one
 * that is gone afterwards, byte for byte, with stdin; a missing container or a dead daemon is a
 * one-line error naming the target (exit 1).
 */
import { assertEquals, assertMatch } from "./support/assert.ts";
import { expectCsdError, withTestContainer } from "../kit/remote.ts";
import { parseTarget, transportFor } from "../lib/remote/transport.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();

const HOSTILE = [
  "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
  "",
  " ",
  "$(touch /tmp/pwned)",
  "line\nbreak",
  "ünïcödé ✓",
  "-n",
  "--",
];

// One daemon and one container for every case: starting a daemon and importing the image costs
// ~5 s, each case well under one.
Deno.test("docker transports against a real daemon", opts, async (t) => {
  await withTestContainer(async ({ daemon, image, container }) => {
    const transport = transportFor(parseTarget(`docker://${container}`), { env: daemon.env() });
    await t.step("docker:// runs argv in the container, byte for byte, with stdin", async () => {
      const who = await transport.run(["id", "-un"]);
      assertEquals(decoder.decode(who.stdout), "root\n");
      const words = await transport.run(["printf", "%s\\0", ...HOSTILE]);
      assertEquals(decoder.decode(words.stdout).split("\0").slice(0, -1), HOSTILE);
      const payload = crypto.getRandomValues(new Uint8Array(65536));
      const echoed = await transport.run(["cat"], { stdin: payload });
      assertEquals(echoed.stdout, payload);
      const failed = await transport.run(["sh", "-c", "echo err >&2; exit 7"]);
      assertEquals([failed.code, decoder.decode(failed.stderr)], [7, "err\n"]);
    });

    await t.step("docker:// copies a file into the container", async () => {
      const local = await Deno.makeTempFile();
      try {
        await Deno.writeTextFile(local, "payload ✓\n");
        await transport.copyTo(local, "/tmp/it's here");
        const result = await transport.run(["cat", "/tmp/it's here"]);
        assertEquals(decoder.decode(result.stdout), "payload ✓\n");
      } finally {
        await Deno.remove(local);
      }
    });

    await t.step(
      "docker:// with a missing container is a one-line error naming it (exit 1)",
      async () => {
        const missing = transportFor(parseTarget("docker://no-such-container"), {
          env: daemon.env(),
        });
        const error = await expectCsdError(missing.run(["true"]));
        assertEquals(error.exitCode, 1);
        assertEquals(error.message.split("\n").length, 1);
        assertMatch(
          error.message,
          /^Cannot reach "docker:\/\/no-such-container": .*No such container/,
        );
      },
    );

    await t.step(
      "docker-run:// runs argv in a fresh container that is gone afterwards",
      async () => {
        const before = await daemon.docker(["ps", "-aq"]);
        const fresh = transportFor(parseTarget(`docker-run://${image}`), { env: daemon.env() });
        const result = await fresh.run(["sh", "-c", 'cat; printf "%s" "$1"', "sh", "$(id)"], {
          stdin: "in\n",
        });
        assertEquals(decoder.decode(result.stdout), "in\n$(id)");
        assertEquals(await daemon.docker(["ps", "-aq"]), before);
      },
    );

    await t.step("docker:// per-command cost (figures for the report)", async () => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        assertEquals((await transport.run(["true"])).code, 0);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      Deno.stderr.writeSync(
        new TextEncoder().encode(`docker exec: median ${times[5]!.toFixed(0)} ms per command\n`),
      );
    });
  });
});

Deno.test(
  "docker transport: a dead daemon is a one-line error naming the target (exit 1)",
  opts,
  async () => {
    const root = await Deno.makeTempDir();
    try {
      const transport = transportFor(parseTarget("docker://test-env"), {
        env: { DOCKER_HOST: `unix://${root}/docker.sock` },
      });
      const error = await expectCsdError(transport.run(["true"]));
      assertEquals(error.exitCode, 1);
      assertEquals(error.message.split("\n").length, 1);
      assertMatch(
        error.message,
        /^Cannot reach "docker:\/\/test-env": Cannot connect to the Docker daemon/,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
