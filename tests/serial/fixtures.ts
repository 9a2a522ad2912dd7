/** A sensor identity and minimiser settings for the serial/device tests (no manifest file needed). */
import { LEVEL_SCHEMES } from '../../shared/density.ts';
import type { SensorIdentity } from '../../firmware/sensor.ts';
import type { MinimiserSettings } from '../../firmware/minimiser/minimiser.ts';

export const IDENTITY: SensorIdentity = {
  id: 'serial-test', expiresAt: '2027-01-01', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64),
};

/** Every target counts (no zone), 10 s windows, k floor 3, granularity 1, re-publish every window. */
export const FLAT_SETTINGS: MinimiserSettings = {
  areaM2: 2.4, zone: null, scheme: LEVEL_SCHEMES['fruin-walkway']!, windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 10,
};
