/**
 * Writes the JSON Schemas of csd's `--json` outputs (lib/cli/output_schema.ts) into schema/, one
 * file per command; `make install` ships them in share/csd/schema/. With `--check`, writes
 * nothing and exits 1 when a file is missing or stale (tests/output_schema_test.ts runs it).
 *
 * Usage: deno run -A tools/gen_output_schemas.ts [--check]
 */
import { OUTPUT_SCHEMAS, outputJsonSchema } from "../lib/cli/output_schema.ts";

const DIR = new URL("../schema/", import.meta.url);

/** Each schema file's name and the text it must hold. */
export function schemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of Object.keys(OUTPUT_SCHEMAS) as (keyof typeof OUTPUT_SCHEMAS)[]) {
    files.set(`${name}.json`, JSON.stringify(outputJsonSchema(name), null, 2) + "\n");
  }
  return files;
}

function read(file: string): string | null {
  try {
    return Deno.readTextFileSync(new URL(file, DIR));
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const stale = [...schemaFiles()].filter(([file, text]) => read(file) !== text);
  if (check) {
    for (const [file] of stale) {
      // deno-lint-ignore no-console
      console.error(`schema/${file} is stale: run deno run -A tools/gen_output_schemas.ts`);
    }
    Deno.exit(stale.length === 0 ? 0 : 1);
  }
  Deno.mkdirSync(DIR, { recursive: true });
  for (const [file, text] of stale) Deno.writeTextFileSync(new URL(file, DIR), text);
}
