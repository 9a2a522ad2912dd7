/**
 * A level may never say more than the count (issue 9, item 6): provisioning refuses a granularity above the k floor
 * and a level-only sensor whose level bands are narrower than the granularity, and warns about a k floor the device
 * can never reach. The same rules hold wherever a manifest is validated (provision, the admin API).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { minimisationWarnings, validateManifest, type Manifest } from '../../shared/manifest.ts';
import { levelFor } from '../../shared/density.ts';
import { levelBandWidths, reachableLevels } from '../../shared/level-bands.ts';
import { provision } from '../../cli/provision.ts';
import { exampleManifest, REPO } from '../lifecycle/helpers.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
// The example leaves the URLs to `provision --gateway`, which fills them in before validating.
const example = () => ({
  ...(parseYaml(readFileSync(join(REPO, 'examples', 'sensor.yaml'), 'utf8')) as Record<string, any>),
  registerUrl: 'https://drukte.voorbeeldstad.nl/sensors/stadhuis-entrance',
  gatewayUrl: 'mqtts://drukte.voorbeeldstad.nl:8883',
}) as Record<string, any>;
const withMin = (minimisation: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...example(), minimisation: { ...example().minimisation, ...minimisation }, ...extra });

describe('minimisation rules at provisioning', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('the example manifest is valid and can publish counts on its LD2450 (k ≤ 3)', () => {
    const r = validateManifest(example(), NOW);
    expect(r.ok).toBe(true);
    expect(minimisationWarnings((r as { manifest: Manifest }).manifest)).toEqual([]);
  });

  it('refuses a granularity larger than the k floor (today "0 people" for 3–9 people)', () => {
    const r = validateManifest(withMin({ kFloor: 3, granularity: 10 }), NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ path: 'minimisation.granularity', message: expect.stringContaining('3–9 people would be published as 0') });
  });

  it('refuses a level-only sensor whose area makes a level band narrower than the granularity (10 m²: B = 4 people)', () => {
    expect(levelBandWidths({ areaM2: 10, kFloor: 3 }).slice(0, 2)).toEqual([1, 1]); // A: 3 (≥ k), B: 4
    const r = validateManifest(withMin({ kFloor: 3, granularity: 3, output: 'level' }, { area: { ...example().area, m2: 10 } }), NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.find((e) => e.path === 'area.m2')?.message).toMatch(/B = 1 person/);
    // granularity 1 says no more than a count would: allowed
    expect(validateManifest(withMin({ kFloor: 3, granularity: 1, output: 'level' }, { area: { ...example().area, m2: 10 } }), NOW).ok).toBe(true);
  });

  it('knows which levels a sensor can publish at all (the gateway refuses the others)', () => {
    // 12 m², counts 5, 10, 15, …: 5 → B (0.42/m²), 10 → D (0.83), 15 → E, 30 → F. No publishable count is C.
    expect([...reachableLevels({ areaM2: 12, kFloor: 5, granularity: 5 })].sort()).toEqual([0, 1, 3, 4, 5]);
  });

  it('reachableLevels agrees with trying every publishable count', () => {
    for (const areaM2 of [1, 2.4, 3, 7.5, 10, 12, 30, 40, 600]) for (const kFloor of [3, 4, 5, 10]) for (const granularity of [1, 2, 3, 5, 10]) {
      const brute = new Set<number>([0]);
      for (let c = Math.ceil(kFloor / granularity) * granularity; c < 3 * areaM2 + 3 * granularity + 20; c += granularity) brute.add(levelFor(c, areaM2));
      expect([...reachableLevels({ areaM2, kFloor, granularity })].sort(), `${areaM2} m², k ${kFloor}, g ${granularity}`).toEqual([...brute].sort());
    }
  });

  it('warns (and still provisions) when the k floor is higher than the device can ever count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-k-'));
    dirs.push(dir);
    const manifest = exampleManifest(dir, { expiresAt: '2027-06-01', minimisation: { windowSeconds: 60, kFloor: 5, granularity: 5, output: 'level+count' } });
    const lines: string[] = [];
    const build = async () => ({ descriptor: { bundle: 'b'.repeat(64), minimiser: 'a'.repeat(64), files: 1 } }) as never;
    await provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway: null, nowMs: NOW, print: (l) => lines.push(l), build });
    expect(lines).toContainEqual(expect.stringMatching(/^! minimisation.kFloor 5 is higher than a ld2450 can ever count \(at most 3\)/));
  });
});
