/**
 * The sensor's device: pick one for a spec (SensorDeps.device in sensor.ts). Kinds:
 *   - { kind: 'serial', path, … }: a tty through a SerialBinding (serial.ts), LD2450 / LD2410 / TI people counting;
 *   - { kind: 'beam', beam: BeamConfig }: the two-beam counter on GPIO (beam.ts);
 *   - a Readable of device bytes (stream.ts), or any SensorDevice object.
 * Serial and beam run on the reconnect engine (reconnect.ts); their modules are loaded only when used.
 */
import type { DriverName, PointMm } from '../../shared/manifest.ts';
import type { BeamConfig } from '../../hardware/beam/source.ts';
import type { GpioBinding } from '../../hardware/bindings/gpio.ts';
import type { SerialBinding } from '../../hardware/bindings/serial.ts';
import type { LifecycleDeps, SensorDevice } from './reconnect.ts';
import type { SerialDeviceConfig } from './serial.ts';

export type { BackoffOptions, DeviceInfo, DeviceSink, FaultCause, LifecycleDeps, RadarInfo, SensorDevice } from './reconnect.ts';
export { backoffDelay, DEFAULT_BACKOFF, ReconnectingDevice } from './reconnect.ts';
export { streamDevice } from './stream.ts';

/** A serial device described by path (opened with `binding`, default: real serial ports); driver and zone come from the manifest. */
export type SerialDeviceSpec = { kind: 'serial'; binding?: SerialBinding } & Omit<SerialDeviceConfig, 'driver' | 'zone'>;

/** The two-beam counter on GPIO (default binding: onoff, sysfs GPIO). */
export interface BeamDeviceSpec {
  kind: 'beam';
  beam: BeamConfig;
  binding?: GpioBinding;
}

export type DeviceSpec = SerialDeviceSpec | BeamDeviceSpec;

/** Build the device for a spec; the drivers' modules are loaded only when used. */
export async function createDevice(spec: DeviceSpec, driver: DriverName, zone: readonly PointMm[] | null, deps: LifecycleDeps): Promise<SensorDevice> {
  if (spec.kind === 'serial') {
    const { serialDevice } = await import('./serial.ts');
    const { kind: _kind, binding, ...config } = spec;
    return serialDevice({ ...config, driver, zone }, { ...deps, ...(binding ? { binding } : {}) });
  }
  if (driver !== 'beam') throw new RangeError(`a GPIO beam device needs driver 'beam', the manifest says '${driver}'`);
  const { beamDevice } = await import('./beam.ts');
  return beamDevice(spec.beam, { ...deps, ...(spec.binding ? { binding: spec.binding } : {}) });
}
