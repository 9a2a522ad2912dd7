/**
 * `npm run schemas`: write docs/schemas/{name}.json from shared/schema/ (tests/shared/schemas.test.ts fails when the
 * committed files differ from what this writes). `--check` writes nothing and exits 1 when a file is out of date.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_NAMES, schemaJson } from '../shared/schema/index.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schemas');
const check = process.argv.includes('--check');
mkdirSync(dir, { recursive: true });
const wanted = new Set(SCHEMA_NAMES.map((n) => `${n}.json`));
let stale = 0;
for (const name of SCHEMA_NAMES) {
  const file = join(dir, `${name}.json`);
  const text = schemaJson(name);
  let old: string | null = null;
  try {
    old = readFileSync(file, 'utf8');
  } catch { /* new */ }
  if (old === text) continue;
  stale++;
  if (check) console.error(`✗ docs/schemas/${name}.json is out of date`);
  else writeFileSync(file, text);
}
for (const f of readdirSync(dir)) {
  if (f.endsWith('.json') && !wanted.has(f)) {
    stale++;
    if (check) console.error(`✗ docs/schemas/${f} is no contract any more`);
    else rmSync(join(dir, f));
  }
}
if (check && stale) {
  console.error('run `npm run schemas` and commit docs/schemas/');
  process.exit(1);
}
console.log(check ? `docs/schemas: ${SCHEMA_NAMES.length} schemas up to date` : `docs/schemas: ${SCHEMA_NAMES.length} schemas, ${stale} written or removed`);
