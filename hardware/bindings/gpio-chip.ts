/**
 * BCM pin number → kernel (sysfs) GPIO number, from the gpiochips the kernel lists under /sys/class/gpio.
 *
 * Since Linux 6.6 (Raspberry Pi OS Bookworm) the Pi's header GPIOs no longer start at 0: each chip has a `base`,
 * e.g. 512 on a Pi 4 (label pinctrl-bcm2711) and 571 on a Pi 5 (pinctrl-rp1, the RP1 south bridge). BCM 17 is then
 * line 512 + 17 = 529 on a Pi 4. Each /sys/class/gpio/gpiochipN directory holds `base`, `label` and `ngpio`.
 *
 * The root is injectable so tests build a fake sysfs tree in a temporary directory.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** Labels of the chip that carries the 40-pin header, most specific first (Pi 5, Pi 4, Pi 0–3). */
export const HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface GpioChipInfo {
  /** Directory name, e.g. "gpiochip512". */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

export class GpioUnavailable extends Error {
  override name = 'GpioUnavailable';
}

export const noSysfsGpioMessage = (root: string): string =>
  `no sysfs GPIO at ${root}: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group`;

/** Every gpiochip under `root`, sorted by base. Throws GpioUnavailable when there is no sysfs GPIO. */
export function listGpioChips(root = SYSFS_GPIO_ROOT): GpioChipInfo[] {
  if (!existsSync(root)) throw new GpioUnavailable(noSysfsGpioMessage(root));
  const chips: GpioChipInfo[] = [];
  for (const name of readdirSync(root)) {
    if (!/^gpiochip\d+$/.test(name)) continue;
    const read = (file: string): string => {
      try {
        return readFileSync(join(root, name, file), 'utf8').trim();
      } catch {
        return '';
      }
    };
    const base = Number(read('base'));
    const ngpio = Number(read('ngpio'));
    if (!Number.isInteger(base) || !Number.isInteger(ngpio) || read('base') === '' || ngpio <= 0) continue;
    chips.push({ name, base, ngpio, label: read('label') });
  }
  if (chips.length === 0) throw new GpioUnavailable(`${noSysfsGpioMessage(root)} (no gpiochip found)`);
  return chips.sort((a, b) => a.base - b.base);
}

/** The chip with the header pins: `label` if given, else the first known header label, else the only chip. */
export function pickHeaderChip(chips: readonly GpioChipInfo[], label?: string): GpioChipInfo {
  const list = chips.map((c) => `${c.label || '(no label)'} (base ${c.base}, ${c.ngpio} lines)`).join(', ');
  if (label !== undefined) {
    const chip = chips.find((c) => c.label === label);
    if (!chip) throw new GpioUnavailable(`no gpiochip labelled '${label}'; found: ${list}`);
    return chip;
  }
  for (const known of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === known);
    if (chip) return chip;
  }
  if (chips.length === 1) return chips[0]!;
  throw new GpioUnavailable(`cannot tell which gpiochip has the header pins; set the chip label (one of: ${list})`);
}

export interface ResolvedLine {
  bcm: number;
  line: number;
  chip: GpioChipInfo;
}

/** Resolve BCM pins to kernel GPIO numbers on the header chip. */
export function resolveGpioLines(bcmPins: readonly number[], options: { sysfsRoot?: string; chipLabel?: string } = {}): ResolvedLine[] {
  const chip = pickHeaderChip(listGpioChips(options.sysfsRoot ?? SYSFS_GPIO_ROOT), options.chipLabel);
  return bcmPins.map((bcm) => {
    if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) {
      throw new RangeError(`GPIO ${bcm} is not on ${chip.label || chip.name} (lines 0–${chip.ngpio - 1})`);
    }
    return { bcm, line: chip.base + bcm, chip };
  });
}
