/**
 * /static/display.js is put together from two `// @ts-check` ES modules (shared/display-words.js, the words and the
 * mode rule the server uses too, and gateway/pages/display-client.js): it must be one classic script, and the words
 * it carries must say what the server says (issue 12: no re-implementation in an untyped string).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeReading, displayMode, LEVEL_WORDS, MODE_TEXT, offlineAfter, staleAfter, type DisplaySensor } from '../../shared/display-content.ts';
import type { Level } from '../../shared/density.ts';
import { asScriptPart, DISPLAY_JS } from '../../gateway/pages/display-static.ts';

const WORDS = readFileSync(new URL('../../shared/display-words.js', import.meta.url), 'utf8');

describe('/static/display.js', () => {
  it('is one classic script: no import or export left, and it parses', () => {
    expect(DISPLAY_JS).not.toMatch(/^\s*(import|export)\b/m);
    expect(() => new Function(DISPLAY_JS)).not.toThrow();
    expect(DISPLAY_JS).toContain(asScriptPart(WORDS)); // the words module, unchanged
    expect(DISPLAY_JS).toContain(`start(${JSON.stringify({ levels: LEVEL_WORDS })}`.slice(0, -1));
  });

  it('describes every reading and mode exactly as the server does', () => {
    const shipped = new Function(`${asScriptPart(WORDS)}; return { describeWith, modeOf, MODE_TEXT };`)() as {
      describeWith: (a: { level: number; count: number | null }, s: { kFloor: number; output?: string }, w: typeof LEVEL_WORDS) => unknown;
      modeOf: (state: string, age: number | null, stale: number, offline: number) => string;
      MODE_TEXT: unknown;
    };
    expect(shipped.MODE_TEXT).toEqual(MODE_TEXT);
    for (const sensor of [{ kFloor: 5 }, { kFloor: 5, output: 'level' as const }, { kFloor: 0 }]) {
      for (const level of [0, 1, 2, 3, 4, 5] as Level[]) {
        for (const count of [null, 0, 1, 12]) {
          expect(shipped.describeWith({ level, count }, sensor, LEVEL_WORDS)).toEqual(describeReading({ level, count }, sensor));
        }
      }
    }
    const sensor = { windowSeconds: 60, heartbeatSeconds: 300 } as DisplaySensor;
    for (const state of ['registering', 'offline', 'fault', 'expired', 'suspended', 'retired', 'unknown'] as const) {
      for (const age of [null, 0, 359, 361, 1000]) {
        const server = displayMode({ sensor, state, latest: age === null ? null : { level: 1, count: 3, to: 0 }, ageSeconds: age });
        expect(shipped.modeOf(state, age, staleAfter(sensor), offlineAfter(sensor)), `${state} ${age}`).toBe(server);
      }
    }
  });
});
