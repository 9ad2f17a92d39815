/**
 * `--target` parsing (lib/remote/transport.ts), case by case: the three documented forms, and hostile
 * or malformed input refused as a one-line UsageError (exit 2) naming the value; the ssh argv
 * the transport builds, and its private control folder, without any server.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { formatTarget, parseTarget, type Target, transportFor } from "../lib/remote/transport.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { expectCsdError } from "../kit/remote.ts";

const GOOD: [string, Target][] = [
  ["ssh://build", { kind: "ssh", host: "build" }],
  ["ssh://deploy@staging.example.com", {
    kind: "ssh",
    host: "staging.example.com",
    user: "deploy",
  }],
  ["ssh://deploy@10.0.0.7:2222", { kind: "ssh", host: "10.0.0.7", user: "deploy", port: 2222 }],
  ["ssh://my_alias:22", { kind: "ssh", host: "my_alias", port: 22 }],
  ["ssh://u@[::1]:2200", { kind: "ssh", host: "[::1]", user: "u", port: 2200 }],
  ["ssh://[fe80::1]", { kind: "ssh", host: "[fe80::1]" }],
  ["docker://test-env", { kind: "docker", container: "test-env" }],
  ["docker://0123abcd", { kind: "docker", container: "0123abcd" }],
  ["docker-run://node:18", { kind: "docker-run", image: "node:18" }],
  ["docker-run://csd-test/rootfs:abc123", { kind: "docker-run", image: "csd-test/rootfs:abc123" }],
  ["docker-run://localhost:5000/team/img:v1.2", {
    kind: "docker-run",
    image: "localhost:5000/team/img:v1.2",
  }],
  [`docker-run://debian@sha256:${"a".repeat(64)}`, {
    kind: "docker-run",
    image: `debian@sha256:${"a".repeat(64)}`,
  }],
];

for (const [uri, expected] of GOOD) {
  Deno.test(`parseTarget() accepts ${uri}`, () => {
    const target = parseTarget(uri);
    assertEquals(target, expected);
    assertEquals(formatTarget(target), uri);
  });
}

const BAD: [string, RegExp][] = [
  ["", /expected ssh:\/\//],
  ["build", /expected ssh:\/\//],
  ["ssh://", /nothing after the scheme/],
  ["ftp://host", /unknown scheme "ftp"/],
  ["SSH://host", /expected ssh:\/\//],
  ["ssh://-oProxyCommand=touch${IFS}pwned", /not a host name/],
  ["ssh://u@-oProxyCommand=x", /not a host name/],
  ["ssh://-l@host", /not a user name/],
  ["ssh://user:secret@host", /password/],
  ["ssh://host:0", /not a port: "0"/],
  ["ssh://host:65536", /not a port: "65536"/],
  ["ssh://host:22x", /not a port/],
  ["ssh://host:", /not a port: ""/],
  ["ssh://host/path", /no path/],
  ["ssh://host?x=1", /no path, query/],
  ["ssh://host#frag", /no path, query/],
  ["ssh://ho st", /space or a control character/],
  ["ssh://host\nrm -rf /", /space or a control character/],
  ["ssh://host;id", /not a host name/],
  ["ssh://$(id)", /not a host name/],
  ["ssh://`id`", /not a host name/],
  ["ssh://%2Dhost", /not a host name/],
  ["ssh://a@b@host", /not a user name/],
  ["docker://-it", /not a Docker container name/],
  ["docker://a/b", /not a Docker container name/],
  ["docker://$(id)", /not a Docker container name/],
  ["docker-run://--privileged", /not a Docker image reference/],
  ["docker-run://Node:18", /not a Docker image reference/],
  ["docker-run://node:18;id", /not a Docker image reference/],
  ["docker-run://node:-x", /not a Docker image reference/],
];

for (const [uri, detail] of BAD) {
  Deno.test(`parseTarget() refuses ${JSON.stringify(uri)} with a one-line UsageError`, () => {
    let error: unknown;
    try {
      parseTarget(uri);
    } catch (e) {
      error = e;
    }
    assert(error instanceof UsageError, `expected a UsageError, got ${error}`);
    assertEquals(error.exitCode, 2);
    assertEquals(error.message.split("\n").length, 1);
    assertMatch(error.message, /^Invalid target ".*": /);
    assertMatch(error.message, detail);
  });
}

Deno.test("transport: ssh missing from PATH is a one-line error naming the target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const transport = transportFor(parseTarget("ssh://deploy@build:2222"), {
      env: { PATH: dir },
      controlDir: `${dir}/ctl`,
    });
    const error = await expectCsdError(transport.run(["true"]));
    assertEquals(error.exitCode, 1);
    assertEquals(error.message, `Cannot reach "ssh://deploy@build:2222": "ssh" is not on PATH`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [what, make] of [
    ["open to others (0755)", async (dir: string) => await Deno.mkdir(dir, { mode: 0o755 })],
    ["a symlink to a folder", async (dir: string) => {
      await Deno.mkdir(`${dir}.real`, { mode: 0o700 });
      await Deno.symlink(`${dir}.real`, dir);
    }],
    ["a file", async (dir: string) => await Deno.writeTextFile(dir, "")],
  ] as const
) {
  Deno.test(`transport: an ssh control folder that is ${what} is refused`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const controlDir = `${root}/ctl`;
      await make(controlDir);
      // mkdir's mode is masked by the umask: set it for the 0755 case explicitly.
      if (what.startsWith("open")) await Deno.chmod(controlDir, 0o755);
      const transport = transportFor(parseTarget("ssh://build"), {
        env: { PATH: root },
        controlDir,
      });
      const error = await expectCsdError(transport.run(["true"]));
      assertEquals(
        error.message,
        `Cannot use "${controlDir}" for ssh control sockets: it must be a folder of ours with mode 0700`,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("transport: ssh gets BatchMode, a private ControlPath and one quoted remote word", () => {
  const transport = transportFor(parseTarget("ssh://deploy@build:2222"), {
    controlDir: "/run/user/0/csd-ssh",
  });
  const argv = transport.localArgv(["printf", "%s", "a b", "$(id)"]);
  assertEquals(argv[0], "ssh");
  assertEquals(argv.slice(-4), ["-T", "--", "build", "printf %s 'a b' '$(id)'"]);
  for (
    const option of ["BatchMode=yes", "ControlMaster=auto", "ControlPath=/run/user/0/csd-ssh/%C"]
  ) {
    assert(argv.includes(option), `${option} in ${argv.join(" ")}`);
  }
  assert(
    !argv.some((word) => /StrictHostKeyChecking/i.test(word)),
    "host keys checked as ssh does",
  );
  assertEquals(argv.slice(argv.indexOf("-p"), argv.indexOf("-p") + 2), ["-p", "2222"]);
  assert(argv.includes("User=deploy"));
  for (const flag of ["ForwardAgent=no", "ForwardX11=no", "ClearAllForwardings=yes"]) {
    assert(argv.includes(flag), `${flag}: no agent, X11 or port forwarding to the target`);
  }
});
