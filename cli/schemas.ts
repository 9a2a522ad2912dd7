/**
 * `npm run schemas`: write docs/schemas/{name}.json from shared/schema/ (tests/shared/schemas.test.ts fails when the
 * committed files differ from what this writes), and the payload checkers generated from the same schemas,
 * shared/generated/payload-checks.ts (shared/schema/codegen.ts; tests/shared/payload-checks.test.ts). `--check`
 * writes nothing and exits 1 when a file is out of date.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_PAYLOAD_CHECKS, payloadChecksSource } from '../shared/schema/codegen.ts';
import { SCHEMA_NAMES, schemaJson } from '../shared/schema/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'docs', 'schemas');
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
// The payload checkers generated from the same schemas (what the sensor and the gateway run).
const checksFile = join(root, GENERATED_PAYLOAD_CHECKS);
const checksText = payloadChecksSource();
let checksOld: string | null = null;
try {
  checksOld = readFileSync(checksFile, 'utf8');
} catch { /* new */ }
const checksStale = checksOld !== checksText;
if (checksStale) {
  if (check) console.error(`✗ ${GENERATED_PAYLOAD_CHECKS} is out of date`);
  else {
    mkdirSync(dirname(checksFile), { recursive: true });
    writeFileSync(checksFile, checksText);
  }
}
if (check && (stale || checksStale)) {
  console.error(`run \`npm run schemas\` and commit docs/schemas/ and ${GENERATED_PAYLOAD_CHECKS}`);
  process.exit(1);
}
console.log(check ? `docs/schemas: ${SCHEMA_NAMES.length} schemas up to date` : `docs/schemas: ${SCHEMA_NAMES.length} schemas, ${stale} written or removed`);
console.log(`${GENERATED_PAYLOAD_CHECKS}: ${checksStale ? (check ? 'out of date' : 'written') : 'up to date'}`);
