/**
 * `drukte audit --bundle DIR`: what a sensor bundle's files prove about its minimiser, from the files alone. Nothing
 * of the bundle is run or imported (a tampered bundle must not run code in the auditor's process); bundle.json is a
 * claim like any other and is checked, never trusted.
 *
 *   minimiser-source/<MINIMISER_SOURCES>  ─► sha256, canonical form (firmware/minimiser-hash.ts)  ═?  this checkout
 *   each shipped source ─► compileModule (esbuild, as the bundle build does) ═? dist/<same path>.js, byte for byte
 *   bundle.json "minimiser", the compiled identity's "minimiser"          ═?  the hash of the shipped sources
 *   the bundle hash over the files (firmware/bundle/hash.ts)              ═?  bundle.json "bundle"
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModule } from '../firmware/bundle/build.ts';
import { hashBundle } from '../firmware/bundle/hash.ts';
import { BundleError, IDENTITY_MODULE, MINIMISER_SOURCE_DIR, readDescriptor } from '../firmware/bundle/identity.ts';
import { hashSources, MINIMISER_SOURCES } from '../firmware/minimiser-hash.ts';
import { isHex64 } from '../shared/patterns.ts';

export interface BundleAudit {
  /** 0: every check holds and the hash is this checkout's; 1: a check fails; 3: the bundle cannot be read. */
  code: 0 | 1 | 3;
  /** The report, one line each. */
  lines: string[];
  /** The hash of the minimiser sources the bundle ships (null when it ships none). */
  shipped: string | null;
}



/** The minimiser hash the compiled identity module claims, read as text (never imported). */
function identityClaim(dir: string): string | null {
  try {
    const m = /(?:^|[\s,{])"?minimiser"?:\s*"([0-9a-f]{64})"/m.exec(readFileSync(join(dir, IDENTITY_MODULE), 'utf8'));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

/** Audit the bundle in `dir` against the minimiser hash of the auditor's checkout (`source`). */
export function auditBundle(dir: string, source: string): BundleAudit {
  const lines: string[] = [];
  let descriptor;
  try {
    descriptor = readDescriptor(dir);
  } catch (err) {
    return { code: 3, lines: [`✗ ${err instanceof BundleError ? err.message : (err as Error).message}`], shipped: null };
  }
  const missing = MINIMISER_SOURCES.filter((f) => !existsSync(join(dir, MINIMISER_SOURCE_DIR, f)));
  if (missing.length) {
    return { code: 3, shipped: null, lines: [`✗ the bundle ships no ${MINIMISER_SOURCE_DIR}/${missing[0]} (${missing.length} of ${MINIMISER_SOURCES.length} minimiser sources missing): built before bundles carried their minimiser, or files were removed; only bundle.json's claim (${descriptor.minimiser}) is left, which proves nothing`] };
  }
  const shipped = hashSources(join(dir, MINIMISER_SOURCE_DIR), MINIMISER_SOURCES);
  let ok = true;
  const check = (holds: boolean, yes: string, no: string) => {
    lines.push(holds ? `✓ ${yes}` : `✗ ${no}`);
    if (!holds) ok = false;
  };

  lines.push(`minimiser hash of the sources the bundle ships (${MINIMISER_SOURCE_DIR}/): ${shipped}`);
  check(shipped === source, 'MATCH: the bundle ships exactly the minimiser sources of this checkout', 'MISMATCH: the bundle ships other minimiser sources than this checkout');

  const differing: string[] = [];
  const typeOnly: string[] = [];
  for (const f of MINIMISER_SOURCES) {
    const compiled = join(dir, 'dist', f.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled)) {
      typeOnly.push(f);
      continue;
    }
    const expected = compileModule(readFileSync(join(dir, MINIMISER_SOURCE_DIR, f), 'utf8'), f);
    if (readFileSync(compiled, 'utf8') !== expected) differing.push(`dist/${f.replace(/\.ts$/, '.js')}`);
  }
  check(differing.length === 0,
    `the compiled minimiser in dist/ is byte for byte what these sources compile to (${MINIMISER_SOURCES.length - typeOnly.length} files${typeOnly.length ? `; ${typeOnly.join(', ')}: types only, no code at run time` : ''})`,
    `the compiled code differs from what the shipped sources compile to: ${differing.join(', ')} (changed after the build, or built with another esbuild than package-lock.json pins)`);

  const claimed = identityClaim(dir);
  check(isHex64(descriptor.minimiser) && descriptor.minimiser === shipped && claimed === shipped,
    'bundle.json and the compiled-in identity claim this same hash (the sensor reports the compiled-in one)',
    `the claims disagree with the shipped sources: bundle.json ${descriptor.minimiser}, compiled-in identity ${claimed ?? 'unreadable'}`);

  let bundleHash: string | null = null;
  try {
    bundleHash = hashBundle(dir).hash;
  } catch (err) {
    lines.push(`✗ ${(err as Error).message}`);
    ok = false;
  }
  if (bundleHash) {
    check(bundleHash === descriptor.bundle,
      `the bundle's files are those it was provisioned with (bundle sha256 ${bundleHash}; compare with the register's)`,
      `the bundle's files changed after provisioning (sha256 ${bundleHash}, provisioned ${descriptor.bundle}): the sensor refuses to start like this`);
  }

  lines.push('Not proven by a bundle alone:');
  lines.push('  - that a device runs this bundle: the sensor reports its hashes (drukte audit --broker/--gateway), a claim;');
  lines.push('  - the rest of the firmware (drivers, egress): compare the bundle hash with the register, and review the source at bundle.json "source".');
  return { code: ok ? 0 : 1, lines, shipped };
}
