/**
 * Installing csd's self-contained tree on a target: the bundled form of `make install` (the Deno
 * runtime, the bundles, the hook, the Pi extension), in a versioned folder of the target user's
 * home, checked by checksum, and nothing more than one round trip when that version is there.
 */
import { dirname } from "../path.ts";
import { CsdError } from "../cli/errors.ts";
import { writeFileAtomic } from "../worker/meta.ts";
import { binDir } from "../paths.ts";
import { REMOTE_PATH } from "./forward.ts";
import { formatTarget, type Transport } from "./transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The files `make install` installs from, relative to the checkout (the bundled form). */
interface Payload {
  root: string;
  files: { rel: string; source: string }[];
  version: string;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function walk(dir: string, rel: string, out: { rel: string; source: string }[]): void {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) walk(path, `${rel}/${entry.name}`, out);
    // The stamp is make's (empty) marker: written in the staged tree, not part of the version.
    else if (entry.isFile && entry.name !== ".stamp") {
      out.push({ rel: `${rel}/${entry.name}`, source: path });
    }
  }
}

/**
 * The self-contained tree's sources: the bundles of `make bundle`, this checkout's Deno, the
 * installer and what it installs beside them. Its version is a hash of every byte, so a target
 * holds one folder per distinct build and a changed build can never pass for an installed one.
 */
async function payload(): Promise<Payload> {
  const root = dirname(binDir());
  const files = checkoutFiles(root) ?? installedFiles(root);
  if (!files) {
    throw new CsdError(
      `Cannot install csd on a target from ${root}: no bundles there (run \`make bundle\` in ` +
        "a checkout, or use the bundled form of `make install`)",
    );
  }
  files.sort((a, b) => a.rel.localeCompare(b.rel));
  // Hashing Deno's 100 MB costs ~1 s a launch: the version is kept beside the bundles, keyed by
  // every file's size, mtime and inode, and recomputed whenever one of them changes.
  const stats = files.map((file) => {
    const info = Deno.statSync(file.source);
    return `${file.rel}\t${info.size}\t${info.mtime?.getTime()}\t${info.ino}`;
  }).join("\n");
  // Only a checkout keeps the cache (build/ is its own); an installed tree hashes each time.
  const cache = `${root}/build/remote-version.json`;
  try {
    const cached = JSON.parse(Deno.readTextFileSync(cache));
    if (cached.stats === stats && /^[0-9a-f]{16}$/.test(cached.version)) {
      return { root, files, version: cached.version };
    }
  } catch {
    // First use, or the build changed.
  }
  const lines: string[] = [];
  for (const file of files) {
    lines.push(`${await sha256(Deno.readFileSync(file.source))}  ${file.rel}`);
  }
  const version = (await sha256(encoder.encode(lines.join("\n")))).slice(0, 16);
  try {
    if (isFile(`${root}/build/bundle/.stamp`)) {
      writeFileAtomic(cache, JSON.stringify({ stats, version }) + "\n", 0o644);
    }
  } catch {
    // A read-only checkout hashes every time.
  }
  return { root, files, version };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

type PayloadFile = { rel: string; source: string };

/** The payload from a checkout: `make bundle`'s output, the tools, the project's Deno. */
function checkoutFiles(root: string): PayloadFile[] | null {
  const bundle = `${root}/build/bundle`;
  if (!isFile(`${bundle}/.stamp`)) return null;
  const files: PayloadFile[] = [];
  walk(bundle, "bundle", files);
  // dispatcher.sh sources subcommands.sh (generated from commands/registry.ts): they travel together.
  for (
    const rel of [
      "tools/install.sh",
      "tools/dispatcher.sh",
      "tools/subcommands.sh",
      "skill/SKILL.md",
    ]
  ) {
    files.push({ rel, source: `${root}/${rel}` });
  }
  walk(`${root}/.claude-plugin`, ".claude-plugin", files);
  walk(`${root}/schema`, "schema", files);
  files.push({ rel: "deno", source: Deno.realPathSync(`${root}/.tools/bin/deno`) });
  return files;
}

/** The same payload from a tree `make install` installed in the bundled form. */
function installedFiles(root: string): PayloadFile[] | null {
  const lib = `${root}/lib/csd`;
  if (!isFile(`${lib}/tools/install.sh`) || !isFile(`${lib}/deno`)) return null;
  const files: PayloadFile[] = [];
  walk(`${lib}/bundle`, "bundle", files);
  if (isFile(`${lib}/pi/csd-pi-extension.js`)) {
    files.push({ rel: "bundle/pi/csd-pi-extension.js", source: `${lib}/pi/csd-pi-extension.js` });
  }
  for (const name of ["install.sh", "dispatcher.sh", "subcommands.sh"]) {
    files.push({ rel: `tools/${name}`, source: `${lib}/tools/${name}` });
  }
  const share = `${root}/share/csd`;
  files.push({ rel: "skill/SKILL.md", source: `${share}/skill/SKILL.md` });
  walk(`${share}/.claude-plugin`, ".claude-plugin", files);
  walk(`${share}/schema`, "schema", files);
  files.push({ rel: "deno", source: `${lib}/deno` });
  return files;
}

/** Where csd lives on a target. */
export interface Installed {
  /** The installed tree, `<home>/.csd/<version>`. */
  csd: string;
  /** The target's worker dir, `<home>/.csd/workers`. */
  workers: string;
}

// Runs on the target with sh: prints the home and the installed version's marker, if any.
const PROBE = 'printf "%s\\n" "$HOME"; cat "$HOME/.csd/$1/.csd-installed" 2>/dev/null || true';

// Runs on the target with sh: checks the archive's checksum, installs with the shipped
// installer into the versioned folder, and marks it complete only once it all worked.
const INSTALL = `set -eu
umask 077
v=$1 sum=$2 archive=$3
prefix="$HOME/.csd/$v"
# Two launches installing at once: the installer replaces a tree it finds, so one at a time.
lock="$HOME/.csd/.lock-$v"
i=0
while ! mkdir "$lock" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -gt 600 ]; then echo "another csd install holds $lock (remove it if none runs)" >&2; exit 1; fi
  sleep 0.5
done
trap 'rmdir "$lock"' EXIT
if [ "$(cat "$prefix/.csd-installed" 2>/dev/null || true)" = "$v" ]; then rm -f "$archive"; exit 0; fi
actual=$(sha256sum "$archive" | cut -d ' ' -f 1)
if [ "$actual" != "$sum" ]; then
  rm -f "$archive"
  echo "checksum mismatch for the csd archive (expected $sum, got $actual)" >&2
  exit 1
fi
stage="$HOME/.csd/.stage-$v-$$"
rm -rf "$stage"
mkdir -p "$stage"
tar -xf "$archive" -C "$stage"
rm -f "$archive"
umask 022
bash "$stage/tools/install.sh" install "$prefix" "$stage" "$stage/deno" "$stage/bundle" >/dev/null
rm -rf "$stage"
mkdir -p "$HOME/.csd/workers"
chmod 700 "$HOME/.csd" "$HOME/.csd/workers"
printf '%s\\n' "$v" >"$prefix/.csd-installed"
`;

function lastLine(bytes: Uint8Array): string {
  return decoder.decode(bytes).trim().split("\n").at(-1) ?? "";
}

/**
 * Installs csd's self-contained tree on the target unless this version is already there
 * (one round trip when it is).
 */
export async function ensureInstalled(transport: Transport): Promise<Installed> {
  const where = formatTarget(transport.target);
  const source = await payload();
  const probe = await transport.run(["sh", "-c", PROBE, "sh", source.version]);
  if (probe.code !== 0) {
    throw new CsdError(`Cannot install csd on "${where}": ${lastLine(probe.stderr)}`);
  }
  const [home = "", marker = ""] = decoder.decode(probe.stdout).split("\n");
  if (!REMOTE_PATH.test(home)) {
    throw new CsdError(`Cannot install csd on "${where}": its HOME "${home}" is not usable`);
  }
  const installed = { csd: `${home}/.csd/${source.version}`, workers: `${home}/.csd/workers` };
  if (marker === source.version) return installed;

  const stage = await Deno.makeTempDir({ prefix: "csd-payload-" });
  try {
    for (const file of source.files) {
      await Deno.mkdir(dirname(`${stage}/tree/${file.rel}`), { recursive: true });
      await Deno.copyFile(file.source, `${stage}/tree/${file.rel}`);
      await Deno.chmod(`${stage}/tree/${file.rel}`, file.rel === "deno" ? 0o755 : 0o644);
    }
    await Deno.writeFile(`${stage}/tree/bundle/.stamp`, new Uint8Array());
    const tar = await new Deno.Command("tar", {
      args: ["-cf", `${stage}/csd.tar`, "-C", `${stage}/tree`, "."],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (tar.code !== 0) {
      throw new CsdError(`Cannot pack csd for "${where}": ${lastLine(tar.stderr)}`);
    }
    const sum = await sha256(await Deno.readFile(`${stage}/csd.tar`));
    const mkdir = await transport.run(["mkdir", "-p", "-m", "700", `${home}/.csd`]);
    if (mkdir.code !== 0) {
      throw new CsdError(`Cannot install csd on "${where}": ${lastLine(mkdir.stderr)}`);
    }
    const archive = `${home}/.csd/.incoming-${source.version}-${crypto.randomUUID().slice(0, 8)}`;
    await transport.copyTo(`${stage}/csd.tar`, archive, { timeoutMs: 300_000 });
    const install = await transport.run(
      ["sh", "-c", INSTALL, "sh", source.version, sum, archive],
      { timeoutMs: 300_000 },
    );
    if (install.code !== 0) {
      throw new CsdError(`Cannot install csd on "${where}": ${lastLine(install.stderr)}`);
    }
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
  return installed;
}
