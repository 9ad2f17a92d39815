/**
 * lib/remote/transport.ts over a real sshd (kit/sshd.ts): argv reaches the remote side byte
 * for byte through the remote login shell, stdin round-trips, the shared connection is reused,
 * and a dead or untrusted target is a one-line error naming it (exit 1).
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { Sshd } from "../kit/sshd.ts";
import { HARNESS_DIR } from "../kit/harness_set.ts";
import { parseTarget, type Transport, transportFor } from "../lib/remote/transport.ts";
import { expectCsdError } from "../kit/remote.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();

/** Every printable ASCII punctuation mark, the shell's metacharacters among them. */
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const HOSTILE = [
  PUNCTUATION,
  "",
  " ",
  "it's",
  "$(touch /tmp/csd-transport-pwned)",
  "`touch /tmp/csd-transport-pwned`",
  "${HOME}",
  "a;b|c&d>e<f",
  "line\nbreak",
  "tab\there",
  "*",
  "~",
  "#comment",
  "back\\slash",
  "ünïcödé ✓",
  "-n",
  "--",
  "\x01\x1b[31mred",
];

async function withSsh(fn: (sshd: Sshd, transport: Transport) => Promise<void>): Promise<void> {
  const sshd = await Sshd.start();
  const transport = transportFor(parseTarget(sshd.uri()), {
    env: { PATH: sshd.path() },
    controlDir: sshd.controlDir,
  });
  try {
    await fn(sshd, transport);
  } finally {
    await transport.close();
    await sshd.dispose();
  }
}

Deno.test("ssh transport runs argv as the target's user", opts, async () => {
  await withSsh(async (sshd, transport) => {
    const result = await transport.run(["id", "-un"]);
    assertEquals(result.code, 0, decoder.decode(result.stderr));
    assertEquals(decoder.decode(result.stdout), `${sshd.user}\n`);
  });
});

Deno.test("ssh transport: an ssh-config alias is a target too", opts, async () => {
  await withSsh(async (sshd) => {
    const transport = transportFor(parseTarget(`ssh://${sshd.alias}`), {
      env: { PATH: sshd.path() },
      controlDir: sshd.controlDir,
    });
    try {
      const result = await transport.run(["id", "-un"]);
      assertEquals(decoder.decode(result.stdout), `${sshd.user}\n`);
    } finally {
      await transport.close();
    }
  });
});

Deno.test("ssh transport passes every shell metacharacter byte for byte", opts, async () => {
  await withSsh(async (_sshd, transport) => {
    const result = await transport.run(["printf", "%s\\0", ...HOSTILE]);
    assertEquals(result.code, 0, decoder.decode(result.stderr));
    const words = decoder.decode(result.stdout).split("\0");
    assertEquals(words.pop(), "");
    assertEquals(words, HOSTILE);
    // Nothing was executed on the way: the command substitutions stayed words.
    const probe = await transport.run(["test", "-e", "/tmp/csd-transport-pwned"]);
    assertEquals(probe.code, 1);
  });
});

Deno.test("ssh transport: a non-zero exit code comes back as the command's own", opts, async () => {
  await withSsh(async (_sshd, transport) => {
    const result = await transport.run(["sh", "-c", "echo out; echo err >&2; exit 7"]);
    assertEquals(result.code, 7);
    assertEquals(decoder.decode(result.stdout), "out\n");
    assertEquals(decoder.decode(result.stderr), "err\n");
  });
});

Deno.test("ssh transport round-trips a binary stdin payload", opts, async () => {
  await withSsh(async (_sshd, transport) => {
    const payload = new Uint8Array(1 << 20);
    for (let i = 0; i < payload.length; i += 65536) {
      crypto.getRandomValues(payload.subarray(i, i + 65536));
    }
    const result = await transport.run(["cat"], { stdin: payload });
    assertEquals(result.code, 0, decoder.decode(result.stderr));
    assertEquals(result.stdout.length, payload.length);
    assert(result.stdout.every((b, i) => b === payload[i]), "stdin came back changed");
  });
});

Deno.test("ssh transport copies a file to the target with scp", opts, async () => {
  await withSsh(async (sshd, transport) => {
    const local = `${sshd.root}/payload`;
    await Deno.writeTextFile(local, "payload ✓\n");
    const remote = `${sshd.home}/it's here`;
    await transport.copyTo(local, remote);
    const result = await transport.run(["cat", remote]);
    assertEquals(decoder.decode(result.stdout), "payload ✓\n");
    assertEquals((await Deno.stat(remote)).uid, sshd.uid);
  });
});

Deno.test(
  "ssh transport: a bounded command past its time is a TimeoutError (124)",
  opts,
  async () => {
    await withSsh(async (_sshd, transport) => {
      const error = await expectCsdError(transport.run(["sleep", "30"], { timeoutMs: 500 }));
      assertEquals(error.exitCode, 124);
      assertMatch(error.message, /^Command on "ssh:\/\/.*" timed out after 500 ms: sleep$/);
    });
  },
);

Deno.test(
  "ssh transport: an unreachable target is a one-line error naming it (exit 1)",
  opts,
  async () => {
    await withSsh(async (sshd, transport) => {
      assertEquals((await transport.run(["true"])).code, 0);
      await transport.close();
      await sshd.stopServer();
      await sshd.killUserProcesses();
      const error = await expectCsdError(transport.run(["id", "-un"]));
      assertEquals(error.exitCode, 1);
      assertEquals(error.message.split("\n").length, 1);
      assertMatch(
        error.message,
        new RegExp(
          `^Cannot reach "ssh://${sshd.user}@127\\.0\\.0\\.1:${sshd.port}": .*Connection refused`,
        ),
      );
    });
  },
);

Deno.test("ssh transport: an unknown host key is refused, quoting ssh", opts, async () => {
  await withSsh(async (sshd) => {
    const transport = transportFor(parseTarget(sshd.uri()), {
      env: { PATH: sshd.path(await sshd.unknownKeyBinDir()) },
      controlDir: sshd.controlDir,
    });
    const error = await expectCsdError(transport.run(["id", "-un"]));
    assertEquals(error.exitCode, 1);
    assertEquals(
      error.message,
      `Cannot reach "${sshd.uri()}": Host key verification failed.`,
    );
  });
});

Deno.test(
  "ssh transport shares one connection: the master outlives the first call",
  opts,
  async () => {
    await withSsh(async (sshd, transport) => {
      const t0 = performance.now();
      await transport.run(["true"]);
      const cold = performance.now() - t0;
      assertEquals(Deno.statSync(sshd.controlDir).mode! & 0o777, 0o700, "created private");
      const sockets = [...Deno.readDirSync(sshd.controlDir)];
      assertEquals(sockets.length, 1, "one control socket after the first call");
      assert(Deno.lstatSync(`${sshd.controlDir}/${sockets[0]!.name}`).isSocket, "a socket");
      const check = await new Deno.Command("ssh", {
        args: [
          "-o",
          `ControlPath=${sshd.controlDir}/%C`,
          "-p",
          String(sshd.port),
          "-l",
          sshd.user,
          "-O",
          "check",
          "127.0.0.1",
        ],
        env: { PATH: sshd.path() },
      }).output();
      assertEquals(check.code, 0, decoder.decode(check.stderr));
      const warm: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await transport.run(["true"]);
        warm.push(performance.now() - t);
      }
      // Figures for the report, not assertions (tests do not assert wall time).
      warm.sort((a, b) => a - b);
      Deno.stderr.writeSync(new TextEncoder().encode(
        `ssh transport: first call ${cold.toFixed(0)} ms, warm median ${warm[5]!.toFixed(0)} ms\n`,
      ));
      // One sshd session process per connection: ten calls did not open ten connections.
      const log = await Deno.readTextFile(`${sshd.root}/sshd.log`);
      assertEquals(log.match(/Accepted publickey/g)?.length, 1, log);
    });
  },
);

Deno.test(
  "ssh transport does not forward the controller's agent, whatever the ssh config says",
  opts,
  async () => {
    await withSsh(async (sshd) => {
      const socket = `${sshd.root}/agent.sock`;
      const agent = new Deno.Command("ssh-agent", {
        args: ["-D", "-a", socket],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        for (let i = 0; i < 200 && !(await Deno.stat(socket).catch(() => null)); i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        const env = { PATH: sshd.path(), SSH_AUTH_SOCK: socket };
        // The control: the test's own ssh config (ForwardAgent yes) forwards it to this server.
        const plain = await new Deno.Command("ssh", {
          args: ["-o", "ControlPath=none", sshd.alias, "printenv SSH_AUTH_SOCK"],
          env,
          stdin: "null",
        }).output();
        assertEquals(plain.code, 0, decoder.decode(plain.stderr));
        const withAgent = transportFor(parseTarget(sshd.uri()), {
          env,
          controlDir: sshd.controlDir,
        });
        try {
          const result = await withAgent.run(["printenv", "SSH_AUTH_SOCK"]);
          assertEquals([result.code, decoder.decode(result.stdout)], [1, ""]);
        } finally {
          await withAgent.close();
        }
      } finally {
        agent.kill("SIGTERM");
        await agent.status;
      }
    });
  },
);

Deno.test(
  "ssh transport: the target's user runs tmux and the harness CLI (no tty)",
  opts,
  async () => {
    await withSsh(async (_sshd, transport) => {
      const tmux = ["tmux", "-L", "csd-transport-test"];
      const created = await transport.run([...tmux, "new-session", "-d", "-s", "w", "sleep 300"]);
      assertEquals(created.code, 0, decoder.decode(created.stderr));
      const listed = await transport.run([...tmux, "list-sessions", "-F", "#{session_name}"]);
      assertEquals(decoder.decode(listed.stdout), "w\n");
      await transport.run([...tmux, "kill-server"]);
      const claude = await Deno.realPath(`${HARNESS_DIR}/node_modules/.bin/claude`);
      const expected = JSON.parse(
        await Deno.readTextFile(
          `${HARNESS_DIR}/node_modules/@anthropic-ai/claude-code/package.json`,
        ),
      ).version;
      const version = await transport.run([claude, "--version"]);
      assertEquals(version.code, 0, decoder.decode(version.stderr));
      assertMatch(decoder.decode(version.stdout), new RegExp(expected.replaceAll(".", "\\.")));
    });
  },
);

Deno.test(
  "ssh transport: a connection dropped mid-command is a one-line error, not the command's exit",
  opts,
  async () => {
    await withSsh(async (sshd, transport) => {
      assertEquals((await transport.run(["true"])).code, 0);
      const failed = expectCsdError(transport.run(["sleep", "30"], { timeoutMs: 20_000 }));
      // The far side goes away while the command runs: its session processes (the user's) end and
      // the server stops, as when a host reboots.
      await new Promise((r) => setTimeout(r, 300));
      await sshd.stopServer();
      await sshd.killUserProcesses();
      const error = await failed;
      assertEquals(error.exitCode, 1);
      assertEquals(error.message.split("\n").length, 1);
      assertEquals(
        error.message,
        `Cannot reach "${sshd.uri()}": ssh exited 255 without a message: the connection was lost`,
      );
    });
  },
);
