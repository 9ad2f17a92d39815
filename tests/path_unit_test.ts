/** lib/path.ts against node:path's posix functions, on hand-picked and fuzzed paths. */
import * as node from "node:path";
import * as ours from "../lib/path.ts";
import { assertEquals } from "./support/assert.ts";
import { seededRandom } from "./support/random.ts";

const EDGES = [
  "",
  "/",
  "//",
  "///",
  ".",
  "..",
  "./",
  "../",
  "a",
  "a/",
  "/a",
  "/a/",
  "//a",
  "//a/b",
  "///a//b//",
  "a/b/c",
  "a/./b/../c",
  "../../a",
  "/../a",
  "/a/b/../../..",
  "a/..",
  "a/../..",
  "./a/./",
  "/home/u/.csd/workers/w1.meta.json",
  "a//b",
  "..a/b..",
  ".../a",
];

const PIECES = ["/", "//", ".", "..", "a", "bc", "...", ".x", "/", "d e"];

function fuzzed(count: number): string[] {
  const next = seededRandom(42);
  return Array.from({ length: count }, () => {
    let path = "";
    const length = Math.floor(next() * 7);
    for (let i = 0; i < length; i++) path += PIECES[Math.floor(next() * PIECES.length)];
    return path;
  });
}

const PATHS = [...EDGES, ...fuzzed(4000)];

for (const name of ["isAbsolute", "normalize", "dirname", "basename"] as const) {
  Deno.test(`path.${name} agrees with node:path on ${PATHS.length} paths`, () => {
    for (const path of PATHS) {
      assertEquals(ours[name](path), node.posix[name](path), `${name}(${JSON.stringify(path)})`);
    }
  });
}

Deno.test("path.join, resolve and relative agree with node:path on pairs of paths", () => {
  const next = seededRandom(7);
  const pick = () => PATHS[Math.floor(next() * PATHS.length)]!;
  for (let i = 0; i < 4000; i++) {
    const [a, b, c] = [pick(), pick(), pick()];
    const label = JSON.stringify([a, b, c]);
    assertEquals(ours.join(a, b, c), node.posix.join(a, b, c), `join ${label}`);
    assertEquals(ours.resolve(a, b), node.posix.resolve(a, b), `resolve ${label}`);
    assertEquals(ours.resolve(a), node.posix.resolve(a), `resolve ${label}`);
    assertEquals(ours.relative(a, b), node.posix.relative(a, b), `relative ${label}`);
  }
  assertEquals(ours.resolve(), node.posix.resolve());
  assertEquals(ours.join(), node.posix.join());
});
