/**
 * `drukte display --lcd hd44780`: the rotation of pages (count+level; purpose; until when; register URL) through the
 * real driver onto the controller model, decoded back from the pin writes: the expected 20×4 (and 16×2) text of
 * each page, per state. The decoded glass is also written to test-artifacts/lcd/ for the closing note.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { FakeGpioChip, fakeGpioOutputBinding } from '../../hardware/bindings/gpio-fake.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { DEFAULT_PINS, Hd44780, PIN_NAMES, type Geometry } from '../../hardware/hd44780/driver.ts';
import { Hd44780Model } from '../../hardware/hd44780/fake.ts';
import type { DisplayInput } from '../../shared/display-content.ts';
import { LcdRotation } from '../../display/lcd.ts';

const BASE = 571; // Pi 5, Bookworm (pinctrl-rp1)
const ARTIFACTS = resolve('test-artifacts', 'lcd');
const TO = Date.parse('2026-06-01T12:05:00Z') / 1000;

export const SENSOR: DisplayInput['sensor'] = {
  id: 'park-bench-east',
  purpose: 'Measure use of the benches in the city park to plan maintenance and extra seating',
  expiresAt: '2027-05-31',
  registerUrl: 'https://register.voorbeeldstad.nl/sensors/park-bench-east',
  owner: { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeldstad', email: 'drukte@voorbeeldstad.nl' },
  location: { description: 'On the lamp post east of the fountain' },
  area: { m2: 2.4 },
  kFloor: 3,
  windowSeconds: 10,
  heartbeatSeconds: 30,
  output: 'level+count',
};

async function lcdRig(geometry: Geometry) {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const chip = new FakeGpioChip();
  const wiring = Object.fromEntries(PIN_NAMES.map((n) => [n, BASE + DEFAULT_PINS[n]])) as Record<(typeof PIN_NAMES)[number], number>;
  const model = new Hd44780Model(chip, wiring, geometry, () => clock.monotonic() * 1000);
  const opening = Hd44780.open(fakeGpioOutputBinding(chip), { ...geometry, chipBase: BASE }, timers);
  for (let i = 0; i < 20; i++) await timers.advanceAsync(50);
  const lcd = await opening;
  const errors: Error[] = [];
  const rotation = new LcdRotation(lcd, geometry, timers, 4000, (e) => errors.push(e));
  /** Let the queued draws finish (each character waits 1 ms on the injected timers). */
  const settle = async () => {
    let done = false;
    void rotation.idle().then(() => (done = true));
    for (let i = 0; i < 100 && !done; i++) await timers.advanceAsync(20);
  };
  return { model, rotation, timers, errors, settle };
}

/** Every screen of the rotation as decoded from the glass, moving the rotation on with the injected timers. */
async function decodeRotation(geometry: Geometry, input: DisplayInput): Promise<string[][]> {
  const r = await lcdRig(geometry);
  void r.rotation.update(input);
  await r.settle();
  const seen: string[][] = [r.model.glass()];
  const n = r.rotation.current.screens.length;
  for (let k = 1; k < n; k++) {
    await r.timers.advanceAsync(4000 - 20 * 0); // the next page after 4 s
    await r.settle();
    seen.push(r.model.glass());
  }
  expect(r.model.violations).toEqual([]);
  expect(r.errors).toEqual([]);
  return seen;
}

const live: DisplayInput = { sensor: SENSOR, latest: { level: 4, count: 3, to: TO }, state: 'registering', ageSeconds: 5 };

function save(name: string, screens: string[][]): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  const text = screens.map((s, i) => `page ${i + 1}\n+${'-'.repeat(s[0]!.length)}+\n${s.map((l) => `|${l}|`).join('\n')}\n+${'-'.repeat(s[0]!.length)}+`).join('\n\n');
  writeFileSync(join(ARTIFACTS, `${name}.txt`), `${text}\n`);
  console.log(`LCD ${name} (${join(ARTIFACTS, `${name}.txt`)}):\n${text}`);
}

describe('LCD pages decoded from the pin writes', () => {
  it('20×4, live: count and level with a bar, purpose, until, register URL', async () => {
    const screens = await decodeRotation({ cols: 20, rows: 4 }, live);
    save('20x4-live', screens);
    expect(screens).toEqual([
      ['3 mensen           E', 'erg druk / very busy', 'A███████████████   F', '14:05 CEST   actueel'],
      ['Waarom / Why:       ', 'Measure use of the  ', 'benches in the city ', 'park to plan        '],
      ['Waarom / Why:       ', 'maintenance and     ', 'extra seating       ', '                    '],
      ['Meet tot en met     ', '31 mei 2027         ', 'Measures until      ', '31 May 2027         '],
      ['Register:           ', 'https://register.voo', 'rbeeldstad.nl/sensor', 's/park-bench-east   '],
    ]);
  });

  it('20×4 in the other states: below k, stale, offline, expired, suspended', async () => {
    const cases: Array<[string, DisplayInput, string[]]> = [
      ['below-k', { ...live, latest: { level: 0, count: null, to: TO } }, ['minder dan 3       A', 'rustig / quiet', 'A███               F', '14:05 CEST   actueel']],
      ['stale', { ...live, ageSeconds: 45 }, ['3 mensen           E', 'erg druk / very busy', 'A███████████████   F', '14:05 CEST VEROUDERD']],
      ['offline', { ...live, state: 'offline' }, ['SENSOR OFFLINE', 'telt nu niet', 'not counting now', 'laatst 14:05 CEST']],
      ['offline-by-silence', { ...live, ageSeconds: 101 }, ['SENSOR OFFLINE', 'telt nu niet', 'not counting now', 'laatst 14:05 CEST']],
      ['expired', { ...live, latest: null, ageSeconds: null, state: 'expired' }, ['VERLOPEN / EXPIRED', 'meet niet meer', 'no longer measures', 'sinds 2027-05-31']],
      ['suspended', { ...live, state: 'suspended' }, ['GESCHORST', 'SUSPENDED', 'gegevens niet', 'gebruikt/not used']],
      ['waiting', { ...live, latest: null, ageSeconds: null }, ['Nog geen meting', 'No measurement yet', '', '']],
    ];
    for (const [name, input, first] of cases) {
      const screens = await decodeRotation({ cols: 20, rows: 4 }, input);
      save(`20x4-${name}`, screens.slice(0, 1));
      expect(screens[0], name).toEqual(first.map((l) => l.padEnd(20).slice(0, 20)));
      expect(screens).toHaveLength(5);
    }
  });

  it('16×2: each page as two screens', async () => {
    const screens = await decodeRotation({ cols: 16, rows: 2 }, live);
    save('16x2-live', screens);
    expect(screens.slice(0, 2)).toEqual([
      ['3 mensen       E', 'erg druk        '],
      ['A███████████▌  F', '14:05 CEST      '],
    ]);
    expect(screens.at(-1)).toEqual(['Register:       ', 'ench-east       ']);
  });

  it('a new reading redraws the current page at once, rewriting only the changed cells', async () => {
    const r = await lcdRig({ cols: 20, rows: 4 });
    void r.rotation.update(live);
    await r.settle();
    const before = r.model.log.length;
    void r.rotation.update({ ...live, latest: { level: 4, count: 4, to: TO + 10 } });
    await r.settle();
    expect(r.model.glass()[0]).toBe('4 mensen           E');
    // '3' → '4' and the time stays 14:05: one address and one character.
    expect(r.model.log.slice(before)).toEqual([[0, 0x80], [1, 0x34]]);
  });
});
