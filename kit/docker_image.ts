/**
 * A Docker image for the remote-target suites, built without any registry (none is reachable
 * here): a root file system assembled from this machine's own files — sh, bash, coreutils,
 * tmux with terminfo, node, and the claude CLI of the harness set under test, each with the
 * libraries ldd names — tarred and `docker import`ed.
 *
 * The image is keyed by a hash of its manifest (every source path with its size and mtime, the
 * users file and this builder's version): the tarball is cached in CSD_TEST_CACHE (default
 * /var/tmp/csd-test-cache) so a later run, even on a new daemon, only imports it, and a daemon
 * that already holds the tag skips both. Hashing the manifest instead of 300 MB of bytes keeps a
 * warm run cheap; a reinstalled harness changes mtime and size, and so the key.
 */
import { dirname } from "node:path";
import { HARNESS_DIR } from "./harness_set.ts";
import { runOrThrow } from "./system_packages.ts";
import type { Dockerd } from "./dockerd.ts";

// Bump when the layout below changes: old cached tarballs then stop matching.
const BUILDER_VERSION = "3";

/** Programs copied from this machine's PATH, by name. */
const PROGRAMS = [
  "sh",
  "bash",
  "env",
  "cat",
  "ls",
  "id",
  "sleep",
  "mkdir",
  "rm",
  "cp",
  "mv",
  "head",
  "tail",
  "printf",
  "echo",
  "true",
  "false",
  "chmod",
  "ln",
  "readlink",
  "dirname",
  "basename",
  "wc",
  "sort",
  "tr",
  "touch",
  "uname",
  "stat",
  "date",
  "tee",
  "test",
  "grep",
  "sed",
  "tmux",
  "node",
  // What csd's installer on a target uses (lib/remote/forward.ts, tools/install.sh).
  "tar",
  "sha256sum",
  "cut",
  "mktemp",
  "rmdir",
];

/** terminfo entries tmux needs for its own panes and for a client attaching. */
const TERMINFO = [
  "/usr/share/terminfo/t/tmux",
  "/usr/share/terminfo/t/tmux-256color",
  "/usr/share/terminfo/s/screen",
  "/usr/share/terminfo/s/screen-256color",
  "/usr/share/terminfo/x/xterm",
  "/usr/share/terminfo/x/xterm-256color",
  "/usr/share/terminfo/d/dumb",
  "/lib/terminfo/t/tmux",
  "/lib/terminfo/t/tmux-256color",
  "/lib/terminfo/s/screen",
  "/lib/terminfo/s/screen-256color",
  "/lib/terminfo/x/xterm",
  "/lib/terminfo/x/xterm-256color",
  "/lib/terminfo/d/dumb",
];

/** The unprivileged user a worker runs as inside the container. */
export const IMAGE_USER = { name: "csd", uid: 1000, home: "/home/csd" };

const PASSWD = `root:x:0:0:root:/root:/bin/bash\n` +
  `${IMAGE_USER.name}:x:${IMAGE_USER.uid}:${IMAGE_USER.uid}::${IMAGE_USER.home}:/bin/bash\n`;
const GROUP = `root:x:0:\n${IMAGE_USER.name}:x:${IMAGE_USER.uid}:\n`;

/** Where a file comes from on this machine and where it goes in the image. */
interface Entry {
  source: string;
  dest: string;
}

/** Timings of the last `testImage` call, in ms (0: the step was skipped). */
export interface ImageTimings {
  manifestMs: number;
  rootfsMs: number;
  importMs: number;
  cached: "daemon" | "tarball" | "none";
}

async function which(name: string): Promise<string> {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0) & 0o111) return `${dir}/${name}`;
    } catch {
      // Not here.
    }
  }
  throw new Error(`Cannot build the test image: "${name}" is not on PATH`);
}

/** The dest of a path: its folder resolved (Debian's /bin -> usr/bin), its own name kept. */
async function destOf(path: string): Promise<string> {
  return `${await Deno.realPath(dirname(path))}/${path.split("/").pop()}`;
}

/** The shared libraries `ldd` names for a binary (none for a script or a static binary). */
async function libraries(binary: string): Promise<string[]> {
  const output = await new Deno.Command("ldd", { args: [binary], stdout: "piped", stderr: "null" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  return [...text.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

const LOCALE = "/usr/lib/locale/C.utf8";

async function* walkFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkFiles(path);
    else if (entry.isFile) yield path;
  }
}

async function manifest(): Promise<Entry[]> {
  const entries = new Map<string, Entry>();
  const add = async (source: string, dest?: string) => {
    const to = dest ?? await destOf(source);
    if (!entries.has(to)) entries.set(to, { source, dest: to });
  };
  const claude = await Deno.realPath(`${HARNESS_DIR}/node_modules/.bin/claude`);
  const binaries = [...await Promise.all(PROGRAMS.map(which)), claude];
  for (const binary of binaries) {
    if (binary === claude) await add(claude, "/usr/local/bin/claude");
    else await add(binary);
    for (const lib of await libraries(binary)) await add(lib);
  }
  for (const path of TERMINFO) {
    try {
      await Deno.stat(path);
      await add(path);
    } catch {
      // This machine keeps that entry elsewhere.
    }
  }
  // tmux refuses to start without a UTF-8 locale ("invalid LC_ALL, LC_CTYPE or LANG").
  for await (const file of walkFiles(LOCALE)) await add(file);
  return [...entries.values()].sort((a, b) => a.dest.localeCompare(b.dest));
}

async function manifestKey(entries: Entry[]): Promise<string> {
  const lines = [BUILDER_VERSION, PASSWD, GROUP];
  for (const { source, dest } of entries) {
    const info = await Deno.stat(source);
    lines.push(`${dest}\t${source}\t${info.size}\t${info.mtime?.getTime()}`);
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function buildTarball(entries: Entry[], tarball: string): Promise<void> {
  const rootfs = await Deno.makeTempDir({ prefix: "csd-rootfs-" });
  try {
    // Debian's merged /usr: the loader and scripts find /bin/sh and /lib64/ld-linux-… there.
    await Deno.mkdir(`${rootfs}/usr`);
    for (const dir of ["bin", "lib", "lib64", "sbin"]) {
      await Deno.mkdir(`${rootfs}/usr/${dir}`, { recursive: true });
      await Deno.symlink(`usr/${dir}`, `${rootfs}/${dir}`);
    }
    for (const { source, dest } of entries) {
      await Deno.mkdir(dirname(`${rootfs}${dest}`), { recursive: true });
      await Deno.copyFile(source, `${rootfs}${dest}`);
    }
    for (const dir of ["etc", "tmp", "root", "proc", "sys", "dev", "var/tmp", "run"]) {
      await Deno.mkdir(`${rootfs}/${dir}`, { recursive: true });
    }
    await Deno.chmod(`${rootfs}/tmp`, 0o1777);
    await Deno.chmod(`${rootfs}/var/tmp`, 0o1777);
    await Deno.writeTextFile(`${rootfs}/etc/passwd`, PASSWD);
    await Deno.writeTextFile(`${rootfs}/etc/group`, GROUP);
    await Deno.mkdir(`${rootfs}${IMAGE_USER.home}`, { recursive: true });
    await Deno.chown(`${rootfs}${IMAGE_USER.home}`, IMAGE_USER.uid, IMAGE_USER.uid);
    // Written beside, then renamed: a concurrent or interrupted build never leaves half a tar.
    const partial = `${tarball}.${crypto.randomUUID().slice(0, 8)}.partial`;
    await runOrThrow("tar", ["--numeric-owner", "-C", rootfs, "-cf", partial, "."], {
      timeoutMs: 300_000,
    });
    await Deno.rename(partial, tarball);
  } finally {
    await Deno.remove(rootfs, { recursive: true }).catch(() => {});
  }
}

// Both harness sets (and a harness upgrade) each key a ~350 MB tarball: keep the newest few.
const CACHE_KEEP = 4;

async function pruneCache(dir: string): Promise<void> {
  const tarballs: { path: string; mtime: number }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!/^rootfs-[0-9a-f]{64}\.tar$/.test(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    tarballs.push({ path, mtime: (await Deno.stat(path)).mtime?.getTime() ?? 0 });
  }
  tarballs.sort((a, b) => b.mtime - a.mtime);
  for (const { path } of tarballs.slice(CACHE_KEEP)) await Deno.remove(path).catch(() => {});
}

/** The last build's timings (for the report and `make bench`). */
export let lastImageTimings: ImageTimings = {
  manifestMs: 0,
  rootfsMs: 0,
  importMs: 0,
  cached: "none",
};

/**
 * The test image's tag in `daemon`, building or importing it as needed.
 * @returns `csd-test-rootfs:<first 16 hex digits of the manifest key>`
 */
export async function testImage(daemon: Dockerd): Promise<string> {
  const t0 = performance.now();
  const entries = await manifest();
  const key = await manifestKey(entries);
  const tag = `csd-test-rootfs:${key.slice(0, 16)}`;
  const timings: ImageTimings = {
    manifestMs: performance.now() - t0,
    rootfsMs: 0,
    importMs: 0,
    cached: "daemon",
  };
  lastImageTimings = timings;
  try {
    await daemon.docker(["image", "inspect", "--format", "{{.Id}}", tag]);
    return tag;
  } catch {
    // Not in this daemon yet.
  }
  const cacheDir = Deno.env.get("CSD_TEST_CACHE") || "/var/tmp/csd-test-cache";
  await Deno.mkdir(cacheDir, { recursive: true });
  const tarball = `${cacheDir}/rootfs-${key}.tar`;
  timings.cached = "tarball";
  try {
    await Deno.stat(tarball);
  } catch {
    timings.cached = "none";
    const t1 = performance.now();
    await buildTarball(entries, tarball);
    timings.rootfsMs = performance.now() - t1;
    await pruneCache(cacheDir);
  }
  const t2 = performance.now();
  await daemon.docker([
    "import",
    "--change",
    "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "--change",
    "ENV LANG=C.UTF-8",
    tarball,
    tag,
  ], 300_000);
  timings.importMs = performance.now() - t2;
  return tag;
}
