/**
 * The two-beam entrance counter on GPIO (hardware/beam/), with the lifecycle of device.ts. The counter outlives a
 * GPIO fault: the lines are reopened and the count goes on (passages during the gap are missed).
 */
import { existsSync } from 'node:fs';
import { BeamCounterSource, type BeamConfig } from '../../hardware/beam/source.ts';
import { SYSFS_GPIO_ROOT } from '../../hardware/bindings/gpio-chip.ts';
import type { GpioBinding } from '../../hardware/bindings/gpio.ts';
import { systemTimers } from '../../shared/timers.ts';
import { ReconnectingDevice, type LifecycleDeps } from './reconnect.ts';

/** onoff, loaded on first use (it loads epoll, which serial-only sensors never need). */
export const lazyOnoffGpioBinding: GpioBinding = {
  name: 'onoff',
  get accessible(): boolean {
    return existsSync(`${SYSFS_GPIO_ROOT}/export`);
  },
  async open(line, edge, pull) {
    const { onoffGpioBinding } = await import('../../hardware/bindings/gpio-onoff.ts');
    return onoffGpioBinding.open(line, edge, pull);
  },
};

export type BeamDevice = ReconnectingDevice & { readonly source: BeamCounterSource };

export function beamDevice(config: BeamConfig, deps: LifecycleDeps & { binding?: GpioBinding }): BeamDevice {
  const source = new BeamCounterSource(config, {
    binding: deps.binding ?? lazyOnoffGpioBinding,
    clock: deps.clock,
    timers: deps.timers ?? systemTimers,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const description = `beam counter on BCM ${config.pinA}/${config.pinB}`;
  const device = new ReconnectingDevice(description, async (ctx) => {
    source.onFrame((frame) => ctx.data(frame));
    source.onLost((reason, cause) => ctx.lost(reason, cause));
    const beam = await source.open();
    return { info: { kind: 'beam', description, beam }, close: () => source.close() };
  }, deps);
  return Object.assign(device, { source });
}
