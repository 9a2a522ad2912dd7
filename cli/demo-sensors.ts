/**
 * The demo's sensors, each fed by the simulator in its device's real format:
 *   - three HLK-LD2450 radars over small zones (an LD2450 tracks at most 3 people: a doorway, a bench, a queue),
 *     with the lowest allowed k floor (3), the minimum window (10 s) and granularity 1;
 *   - a TI IWR6843 people-counting radar over part of a square (0–30 people), contract defaults k 5, granularity 5;
 *   - a two-beam IR counter at an event entrance (hundreds inside), k 5, granularity 5 (never more than k).
 * Each manifest goes through the same validation as a technician's.
 */
import { validateManifest, formatManifestErrors, type Manifest } from '../shared/manifest.ts';
import type { EntranceScenarioOptions } from '../simulator/beam-scenario.ts';
import type { CrowdScenarioOptions } from '../simulator/scenario.ts';

export type DemoFeed =
  | { kind: 'ld2450' | 'ti-people'; scenario: Omit<CrowdScenarioOptions, 'zone'> }
  | { kind: 'beam'; entrance: EntranceScenarioOptions };

export interface DemoSensor {
  manifest: Manifest;
  feed: DemoFeed;
}

const OWNER = { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeldstad', email: 'drukte@voorbeeldstad.example', phone: '+31 20 123 4567' };
const COMMON = {
  owner: OWNER,
  legalGround: 'AVG art. 6(1)(e); Gemeentewet art. 172 (openbare orde en veiligheid)',
  dpiaRef: 'DPIA-2026-014',
  levelScheme: 'fruin-walkway',
  // Re-publish an unchanged result every 30 s (production default 300 s), so the displays show the sensors are alive.
  heartbeatSeconds: 30,
};
const SMALL_ZONE = { windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count' };

export function demoSensors(nowMs: number, httpBase: string, mqttUrl: string): DemoSensor[] {
  const expiresAt = new Date(nowMs + 365 * 86_400_000).toISOString().slice(0, 10);
  const raw: (Record<string, unknown> & { id: string; feed: DemoFeed })[] = [
    {
      id: 'stadhuis-entrance', areaId: 'stadhuis', driver: 'ld2450', minimisation: SMALL_ZONE,
      purpose: 'Show how busy the town hall entrance is, so visitors can pick a quiet moment',
      location: { lat: 52.3728, lon: 4.8936, description: 'Above the main entrance of the town hall, facing out' },
      area: { m2: 2.4, zone: [[-800, 500], [800, 500], [800, 2000], [-800, 2000]] },
      feed: { kind: 'ld2450', scenario: { seed: 11, cycleSeconds: 80, peakPeople: 5, quietPeople: 0.6, dwellSeconds: 15, peakAt: 0.2, peakWidth: 0.5 } },
    },
    {
      id: 'park-bench-east', areaId: 'stadspark', driver: 'ld2450', minimisation: SMALL_ZONE,
      purpose: 'Measure use of the benches in the city park to plan maintenance and extra seating',
      location: { lat: 52.3601, lon: 4.8852, description: 'On the lamp post east of the fountain, facing the benches' },
      area: { m2: 2.4, zone: [[-1000, 800], [1000, 800], [1000, 2000], [-1000, 2000]] },
      feed: { kind: 'ld2450', scenario: { seed: 23, cycleSeconds: 100, peakPeople: 5, quietPeople: 0.4, dwellSeconds: 30, peakAt: 0.5, peakWidth: 0.5 } },
    },
    {
      id: 'kiosk-queue', areaId: 'station-square', driver: 'ld2450', minimisation: SMALL_ZONE,
      purpose: 'Show the queue length at the ticket kiosk on the station square to spread travellers',
      location: { lat: 52.3791, lon: 4.9003, description: 'Above the ticket kiosk, looking along the queue' },
      area: { m2: 3, zone: [[-500, 400], [500, 400], [500, 3400], [-500, 3400]] },
      feed: { kind: 'ld2450', scenario: { seed: 37, cycleSeconds: 60, peakPeople: 5, quietPeople: 0.8, dwellSeconds: 12, peakAt: 0.8, peakWidth: 0.5 } },
    },
    {
      id: 'station-square-north', areaId: 'station-square', driver: 'ti-people',
      minimisation: { windowSeconds: 10, kFloor: 5, granularity: 5, output: 'level+count' },
      purpose: 'Monitor crowding on the north side of the station square to keep walking routes open',
      location: { lat: 52.3793, lon: 4.9001, description: 'On the canopy of the north entrance, looking onto the square' },
      area: { m2: 30, zone: [[-3000, 1000], [3000, 1000], [3000, 6000], [-3000, 6000]] },
      feed: { kind: 'ti-people', scenario: { seed: 51, cycleSeconds: 180, peakPeople: 30, quietPeople: 3, maxPeople: 34, dwellSeconds: 40, peakAt: 0.5, peakWidth: 0.6, passersPerMinute: 10 } },
    },
    {
      id: 'event-hall-entrance', areaId: 'event-hall', driver: 'beam',
      minimisation: { windowSeconds: 10, kFloor: 5, granularity: 5, output: 'level+count' },
      purpose: 'Count visitors inside the event hall so the organiser can stop admission before it is full',
      location: { lat: 52.3712, lon: 4.8981, description: 'Both sides of the main doorway of the event hall, at hip height' },
      area: { m2: 800 },
      feed: { kind: 'beam', entrance: { seed: 7, peakInside: 350, cycleSeconds: 600 } },
    },
  ];
  return raw.map(({ feed, ...m }) => {
    const result = validateManifest({ ...COMMON, ...m, expiresAt, registerUrl: `${httpBase}/sensors/${m.id}`, gatewayUrl: mqttUrl }, nowMs);
    if (!result.ok) throw new Error(`demo manifest ${m.id} is invalid:\n${formatManifestErrors(result.errors)}`);
    return { manifest: result.manifest, feed };
  });
}
