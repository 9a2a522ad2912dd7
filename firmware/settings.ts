/** From a validated manifest to the minimiser's settings (the manifest schema already enforces the hard bounds). */
import { LEVEL_SCHEMES } from '../shared/density.ts';
import type { Manifest } from '../shared/manifest.ts';
import { DEFAULT_HEARTBEAT_SECONDS } from '../shared/schema/rules.ts';
import type { MinimiserSettings } from './minimiser/minimiser.ts';

/** Default heartbeat: an unchanged result is re-published at least every 5 minutes (or every window if longer). */
export { DEFAULT_HEARTBEAT_SECONDS };

/** The heartbeat is the manifest's `heartbeatSeconds` (also in the register), else the default; never below the window. */
export function settingsFromManifest(m: Manifest, heartbeatSeconds = m.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS): MinimiserSettings {
  return {
    areaM2: m.area.m2,
    zone: m.area.zone ?? null,
    scheme: LEVEL_SCHEMES[m.levelScheme]!,
    windowSeconds: m.minimisation.windowSeconds,
    kFloor: m.minimisation.kFloor,
    granularity: m.minimisation.granularity,
    output: m.minimisation.output,
    heartbeatSeconds: Math.max(heartbeatSeconds, m.minimisation.windowSeconds),
  };
}
