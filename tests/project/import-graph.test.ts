/**
 * Edges that go one way (issue 12, item 3): shared ← hardware ← firmware, shared ← gateway; display (a client),
 * simulator (beside hardware), cli and bench on top; tests beside, free to import anything. A wrong-way or circular
 * import between the project's own files fails here, with the edge or the circle named; so does an edge between the
 * rooms of gateway/ that goes the wrong way.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, LAYERS, wrongRoomEdges, wrongWayEdges } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const graph = importGraph(ROOT, Object.keys(LAYERS));

describe('the import graph', () => {
  it('reads the whole tree (the check is not vacuous)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('firmware/sensor.ts')).toContain('firmware/device/index.ts');
    expect(graph.get('firmware/device/index.ts')).toContain('firmware/device/serial.ts'); // a dynamic import counts
    for (const [file, tos] of graph) for (const to of tos) expect(graph.has(to) || to.startsWith('tests/'), `${file} imports ${to}, which is missing`).toBe(true);
  });

  it('has no wrong-way edge', () => {
    expect(wrongWayEdges(graph)).toEqual([]);
  });

  it('keeps the rooms of gateway/ in order: base ← mqtt ← ingest ← feeds, pages ← http ← the composition root', () => {
    expect(wrongRoomEdges(graph)).toEqual([]);
    expect(wrongRoomEdges(new Map([['gateway/mqtt/x.ts', ['gateway/pages/y.ts', 'gateway/register.ts']], ['gateway/novel/z.ts', ['gateway/ingest/w.ts']]]))).toEqual([
      'gateway/mqtt/x.ts → gateway/pages/y.ts', 'gateway/novel/z.ts → gateway/ingest/w.ts',
    ]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('would catch a wrong-way edge and a circle', () => {
    const bad = new Map([
      ['shared/a.ts', ['hardware/b.ts']],
      ['hardware/b.ts', ['shared/a.ts']],
      ['gateway/c.ts', ['firmware/d.ts']],
      ['firmware/d.ts', []],
    ]);
    expect(wrongWayEdges(bad)).toEqual(['shared/a.ts → hardware/b.ts', 'gateway/c.ts → firmware/d.ts']);
    expect(cycles(bad)).toEqual([['hardware/b.ts', 'shared/a.ts']]);
  });
});
