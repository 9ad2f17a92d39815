/**
 * The real-sshd fixture (kit/sshd.ts) itself: it serves its dedicated user over a
 * pinned host key, and an ssh that does not know that key refuses it with ssh's own message.
 * The remote-target suites build on these guarantees.
 */
import { assertEquals, assertStringIncludes } from "./support/assert.ts";
import { Sshd } from "../kit/sshd.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();

async function ssh(sshd: Sshd, args: string[], binDir = sshd.binDir) {
  const output = await new Deno.Command("ssh", {
    args,
    stdin: "null",
    env: { PATH: sshd.path(binDir) },
    signal: AbortSignal.timeout(30_000),
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test(
  "Sshd fixture logs in as its own unprivileged user over the alias and the address",
  opts,
  async () => {
    const sshd = await Sshd.start();
    try {
      const byAlias = await ssh(sshd, [sshd.alias, "id -un; id -u; echo $HOME"]);
      assertEquals(byAlias.code, 0, byAlias.stderr);
      const [name, uid, home] = byAlias.stdout.trim().split("\n");
      assertEquals(name, sshd.user);
      assertEquals(Number(uid), sshd.uid);
      assertEquals(home, sshd.home);
      const byAddress = await ssh(sshd, [
        "-p",
        String(sshd.port),
        `${sshd.user}@127.0.0.1`,
        "id -un",
      ]);
      assertEquals(byAddress.stdout.trim(), sshd.user, byAddress.stderr);
    } finally {
      await sshd.dispose();
    }
    // The user and its home are gone afterwards.
    const getent = await new Deno.Command("getent", { args: ["passwd", sshd.user] }).output();
    assertEquals(getent.code, 2);
    let homeLeft = true;
    await Deno.stat(sshd.home).catch(() => homeLeft = false);
    assertEquals(homeLeft, false);
  },
);

Deno.test(
  "Sshd fixture: an unknown host key is refused under BatchMode with ssh's message",
  opts,
  async () => {
    const sshd = await Sshd.start();
    try {
      const result = await ssh(sshd, [sshd.alias, "id -un"], await sshd.unknownKeyBinDir());
      assertEquals(result.code, 255);
      assertEquals(result.stdout, "");
      assertStringIncludes(result.stderr, "Host key verification failed.");
    } finally {
      await sshd.dispose();
    }
  },
);
