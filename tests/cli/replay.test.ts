import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadHex, rxStream } from '../helpers/hex.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'drukte-replay-'));
const capture = join(dir, 'ld2450_real_v204.bin');
writeFileSync(capture, rxStream(loadHex('ld2450_real_v204_256000_stream.hex')));

async function replay(args: string[]) {
  const { stdout, stderr } = await run(process.execPath, ['bin/drukte.js', 'replay', ...args]);
  return { lines: stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>), stderr };
}

describe('drukte replay', () => {
  it('prints 44 frame lines with one target each for the real LD2450 capture, then the aggregate', async () => {
    const { lines } = await replay(['--driver', 'ld2450', '--input', capture]);
    const frames = lines.filter((l) => l.type === 'frame');
    expect(frames).toHaveLength(44);
    frames.forEach((f, i) => expect(f).toEqual({ type: 'frame', index: i, targets: 1 }));
    const aggregates = lines.filter((l) => l.type === 'aggregate');
    // One person < default k floor 5: level 0, count null; contract defaults: a 60 s window.
    expect(aggregates).toEqual([{ type: 'aggregate', v: 1, sensor: 'replay', seq: 1, from: 1_735_689_600, to: 1_735_689_660, level: 0, count: null }]);
    // Counts only: no line carries anything but these keys.
    for (const l of lines) for (const k of Object.keys(l)) expect(['type', 'index', 'targets', 'v', 'sensor', 'seq', 'from', 'to', 'level', 'count']).toContain(k);
  });

  it('reads stdin with --input - and applies a manifest', async () => {
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, stringify({
      id: 'bench-test', driver: 'ld2450', owner: { name: 'Jan Jansen', organisation: 'Gemeente X', email: 'jan@x.example' },
      purpose: 'testing the replay command', legalGround: 'AVG 6(1)(e)', dpiaRef: 'DPIA-1',
      location: { lat: 52, lon: 4, description: 'bench' }, area: { m2: 2, zone: [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] },
      minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 }, expiresAt: '2020-01-01',
      registerUrl: 'https://example.nl/s/bench-test', gatewayUrl: 'mqtts://gw.example.nl:8883',
    }));
    const child = run(process.execPath, ['bin/drukte.js', 'replay', '--driver', 'ld2450', '--input', '-', '--manifest', manifest, '--start', '2026-03-01T12:00:00Z']);
    child.child.stdin!.end(rxStream(loadHex('ld2450_real_v204_256000_stream.hex')));
    const lines = (await child).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'frame')).toHaveLength(44);
    expect(lines.filter((l) => l.type === 'aggregate')).toEqual([
      { type: 'aggregate', v: 1, sensor: 'bench-test', seq: 1, from: 1_772_366_400, to: 1_772_366_410, level: 0, count: null },
    ]);
  });

  it('refuses bad arguments with a clear message', async () => {
    await expect(run(process.execPath, ['bin/drukte.js', 'replay', '--driver', 'nope', '--input', capture])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--driver must be one of/) });
    await expect(run(process.execPath, ['bin/drukte.js', 'replay', '--driver', 'ld2450', '--input', join(dir, 'missing.bin')])).rejects.toMatchObject({ stderr: expect.stringMatching(/cannot read .*ENOENT/) });
  });
});
