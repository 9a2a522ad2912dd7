/**
 * The GPIO binding contract, one suite run against every implementation (MQTT.js abstract_store style):
 *   - real: onoff (sysfs GPIO). It needs GPIO access and a loopback jumper between two pins (one driven as an
 *     output, one read): DRUKTE_GPIO_LOOPBACK="out,in" in kernel GPIO numbers, e.g. "532,533" for BCM 20 → 21 on a
 *     Pi 4 with Bookworm. Skipped, with the reason, where onoff's Gpio.accessible is false (containers, CI, laptops).
 *   - fake: FakeGpioChip, in memory.
 * Both go through the same line class (BoundGpioBinding); only the backend differs.
 * Also here: BCM → kernel GPIO resolution against a fake sysfs tree (gpio-chip.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gpio } from 'onoff';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGpioChip, fakeGpioBinding } from '../../hardware/bindings/gpio-fake.ts';
import { GpioUnavailable, listGpioChips, resolveGpioLines } from '../../hardware/bindings/gpio-chip.ts';
import { onoffGpioBinding } from '../../hardware/bindings/gpio-onoff.ts';
import type { GpioBinding, GpioLine, Level } from '../../hardware/bindings/gpio.ts';
import { tempDir, until } from '../serial/helpers.ts';

interface GpioHarness {
  name: string;
  skip: string | null;
  binding: GpioBinding;
  /** A line the test can read, and a way to set what it reads. */
  line: number;
  setLevel(level: Level): Promise<void>;
  teardown(): void;
}

function realHarness(): GpioHarness {
  const loopback = process.env.DRUKTE_GPIO_LOOPBACK?.split(',').map(Number);
  const skip = !Gpio.accessible
    ? 'no sysfs GPIO here (onoff Gpio.accessible is false): run on a Pi as a user in the gpio group'
    : !(loopback?.length === 2 && loopback.every(Number.isInteger))
      ? 'set DRUKTE_GPIO_LOOPBACK="out,in" (kernel GPIO numbers of two pins joined by a jumper)'
      : null;
  let out: Gpio | null = null;
  return {
    name: 'real (onoff, sysfs GPIO)',
    skip,
    binding: onoffGpioBinding,
    line: loopback?.[1] ?? 0,
    async setLevel(level) {
      out ??= new Gpio(loopback![0]!, 'out');
      out.writeSync(level);
    },
    teardown: () => out?.unexport(),
  };
}

function fakeHarness(): GpioHarness {
  const chip = new FakeGpioChip();
  return {
    name: 'fake (FakeGpioChip)',
    skip: null,
    binding: fakeGpioBinding(chip),
    line: 529,
    async setLevel(level) {
      chip.drive(529, level);
    },
    teardown: () => undefined,
  };
}

function gpioContract(make: () => GpioHarness): void {
  const probe = make();
  describe.skipIf(probe.skip !== null)(`GPIO binding contract: ${probe.name}${probe.skip ? ` — skipped: ${probe.skip}` : ''}`, () => {
    let h: GpioHarness;
    const opened: GpioLine[] = [];
    const open = async (edge: 'none' | 'rising' | 'falling' | 'both') => {
      h = make();
      const line = await h.binding.open(h.line, edge, 'up');
      opened.push(line);
      return line;
    };
    afterEach(() => {
      for (const l of opened.splice(0)) l.unexport();
      h?.teardown();
    });

    it('is accessible and reads the level on the line', async () => {
      const line = await open('none');
      expect(h.binding.accessible).toBe(true);
      await h.setLevel(1);
      expect(await line.read()).toBe(1);
      await h.setLevel(0);
      expect(await line.read()).toBe(0);
    });

    it('reports every edge with "both", with the new level', async () => {
      const line = await open('both');
      await h.setLevel(1);
      const seen: Level[] = [];
      line.watch((level) => seen.push(level));
      for (const level of [0, 1, 0, 1] as const) {
        await h.setLevel(level);
        await until(() => seen.at(-1) === level, `edge to ${level}`);
      }
      expect(seen).toEqual([0, 1, 0, 1]);
    });

    it('reports only falling edges with "falling"', async () => {
      const line = await open('falling');
      await h.setLevel(1);
      const seen: Level[] = [];
      line.watch((level) => seen.push(level));
      await h.setLevel(0);
      await h.setLevel(1);
      await h.setLevel(0);
      await until(() => seen.length >= 2, 'two falling edges');
      expect(seen).toEqual([0, 0]);
    });

    it('stops reporting and refuses reads after unexport (idempotent)', async () => {
      const line = await open('both');
      const seen: Level[] = [];
      line.watch((level) => seen.push(level));
      line.unexport();
      line.unexport();
      await h.setLevel(0);
      await h.setLevel(1);
      expect(seen).toEqual([]);
      await expect(line.read()).rejects.toThrow(/released/);
    });

    it('refuses invalid lines, edges and pulls', async () => {
      h = make();
      await expect(h.binding.open(-1, 'both', 'up')).rejects.toThrow(RangeError);
      await expect(h.binding.open(h.line, 'sideways' as never, 'up')).rejects.toThrow(/edge/);
      await expect(h.binding.open(h.line, 'both', 'sideways' as never)).rejects.toThrow(/pull/);
    });
  });
}

gpioContract(realHarness);
gpioContract(fakeHarness);

describe('fake GPIO: electrical model', () => {
  it('a released line reads its pull level; an open-collector receiver pulls it low', async () => {
    const chip = new FakeGpioChip();
    const binding = fakeGpioBinding(chip);
    const line = await binding.open(529, 'both', 'up');
    expect(line.pullApplied).toBe(true);
    expect(await line.read()).toBe(1);
    chip.drive(529, 0);
    expect(await line.read()).toBe(0);
    chip.release(529);
    expect(await line.read()).toBe(1);
    await expect(binding.open(529, 'both', 'up')).rejects.toThrow(/EBUSY/);
  });

  it('says clearly when there is no GPIO at all', async () => {
    const binding = fakeGpioBinding(new FakeGpioChip({ accessible: false }));
    expect(binding.accessible).toBe(false);
    await expect(binding.open(529, 'both', 'up')).rejects.toThrow(/no sysfs GPIO at \/sys\/class\/gpio: this kernel\/container has no GPIO access; on a Pi run as a user in the gpio group/);
  });
});

describe('BCM pin → kernel GPIO number from sysfs', () => {
  const trees: { remove(): void }[] = [];
  afterEach(() => trees.splice(0).forEach((t) => t.remove()));
  const sysfs = (chips: { n: number; label: string; ngpio: number }[]): string => {
    const t = tempDir('drukte-sysfs-');
    trees.push(t);
    const root = join(t.dir, 'class', 'gpio');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'export'), '');
    for (const c of chips) {
      mkdirSync(join(root, `gpiochip${c.n}`));
      writeFileSync(join(root, `gpiochip${c.n}`, 'base'), `${c.n}\n`);
      writeFileSync(join(root, `gpiochip${c.n}`, 'label'), `${c.label}\n`);
      writeFileSync(join(root, `gpiochip${c.n}`, 'ngpio'), `${c.ngpio}\n`);
    }
    return root;
  };

  it('Pi 4 on Bookworm: base 512, BCM 17 → 529', () => {
    const root = sysfs([{ n: 512, label: 'pinctrl-bcm2711', ngpio: 58 }, { n: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 }]);
    expect(listGpioChips(root).map((c) => c.base)).toEqual([512, 570]);
    expect(resolveGpioLines([17, 27], { sysfsRoot: root }).map((r) => r.line)).toEqual([529, 539]);
  });

  it('Pi 5 on Bookworm: the RP1 chip at base 571 carries the header, not the SoC chips at 512/544', () => {
    const root = sysfs([
      { n: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
      { n: 544, label: 'gpio-brcmstb@107d517c00', ngpio: 15 },
      { n: 571, label: 'pinctrl-rp1', ngpio: 54 },
    ]);
    expect(resolveGpioLines([17], { sysfsRoot: root })[0]).toMatchObject({ bcm: 17, line: 588, chip: { label: 'pinctrl-rp1' } });
  });

  it('older kernels (base 0) and an explicit chip label', () => {
    const root = sysfs([{ n: 0, label: 'pinctrl-bcm2835', ngpio: 54 }, { n: 504, label: 'other', ngpio: 8 }]);
    expect(resolveGpioLines([17], { sysfsRoot: root })[0]?.line).toBe(17);
    expect(resolveGpioLines([3], { sysfsRoot: root, chipLabel: 'other' })[0]?.line).toBe(507);
  });

  it('refuses unknown chips, pins off the chip, and a missing sysfs with clear messages', () => {
    const two = sysfs([{ n: 100, label: 'a', ngpio: 8 }, { n: 200, label: 'b', ngpio: 8 }]);
    expect(() => resolveGpioLines([1], { sysfsRoot: two })).toThrow(/cannot tell which gpiochip has the header pins; set the chip label \(one of: a \(base 100, 8 lines\), b/);
    expect(() => resolveGpioLines([9], { sysfsRoot: two, chipLabel: 'a' })).toThrow(/GPIO 9 is not on a \(lines 0–7\)/);
    expect(() => resolveGpioLines([1], { sysfsRoot: two, chipLabel: 'zzz' })).toThrow(/no gpiochip labelled 'zzz'/);
    const missing = join(tempDir('drukte-nosysfs-').dir, 'class', 'gpio');
    const err = (() => {
      try {
        resolveGpioLines([17], { sysfsRoot: missing });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(GpioUnavailable);
    expect((err as Error).message).toBe(`no sysfs GPIO at ${missing}: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group`);
  });
});
