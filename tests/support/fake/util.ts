// Small helpers: sleeps, ids, raw writes to the terminal. Part of the fake claude: see
// ../fake_claude.ts.
import { ENC } from "./script.ts";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function hex(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(n / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, n);
}

export function base62(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => abc[b % 62]).join("");
}

export const uuid = () => crypto.randomUUID();
export const nowIso = () => new Date().toISOString();

export function writeErr(s: string) {
  try {
    Deno.stderr.writeSync(ENC.encode(s));
  } catch { /* ignore */ }
}

export function writeOut(s: string) {
  const data = ENC.encode(s);
  let off = 0;
  try {
    while (off < data.length) off += Deno.stdout.writeSync(data.subarray(off));
  } catch { /* terminal gone */ }
}

// Claude's project-directory naming. Paths over 200 characters are cut and hashed by the real
// one (with a hash we cannot reproduce exactly); csd must take transcript_path from hooks.
export function sanitizePath(p: string): string {
  const s = p.replace(/[^a-zA-Z0-9]/g, "-");
  if (s.length <= 200) return s;
  let h = 0;
  for (let i = 0; i < p.length; i++) h = ((h << 5) - h + p.charCodeAt(i)) | 0;
  return `${s.slice(0, 200)}-${Math.abs(h).toString(36)}`;
}

export function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
