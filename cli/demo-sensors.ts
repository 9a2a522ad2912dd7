/**
 * The demo's three sensors: HLK-LD2450 radars over small zones (an LD2450 tracks at most 3 people, so it suits a
 * doorway, a bench or a queue), with the lowest allowed k floor (3), the minimum window (10 s) and granularity 1.
 * Each manifest goes through the same validation as a technician's.
 */
import { validateManifest, formatManifestErrors, type Manifest } from '../shared/manifest.ts';
import type { CrowdScenarioOptions } from '../simulator/scenario.ts';

export interface DemoSensor {
  manifest: Manifest;
  scenario: Omit<CrowdScenarioOptions, 'zone'>;
}

const OWNER = { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeldstad', email: 'drukte@voorbeeldstad.example', phone: '+31 20 123 4567' };
const COMMON = {
  driver: 'ld2450',
  owner: OWNER,
  legalGround: 'AVG art. 6(1)(e); Gemeentewet art. 172 (openbare orde en veiligheid)',
  dpiaRef: 'DPIA-2026-014',
  levelScheme: 'fruin-walkway',
  minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count' },
};

export function demoSensors(nowMs: number, httpBase: string, mqttUrl: string): DemoSensor[] {
  const expiresAt = new Date(nowMs + 365 * 86_400_000).toISOString().slice(0, 10);
  const raw = [
    {
      id: 'stadhuis-entrance', areaId: 'stadhuis',
      purpose: 'Show how busy the town hall entrance is, so visitors can pick a quiet moment',
      location: { lat: 52.3728, lon: 4.8936, description: 'Above the main entrance of the town hall, facing out' },
      area: { m2: 2.4, zone: [[-800, 500], [800, 500], [800, 2000], [-800, 2000]] },
      scenario: { seed: 11, cycleSeconds: 80, peakPeople: 5, quietPeople: 0.6, dwellSeconds: 15, peakAt: 0.2, peakWidth: 0.5 },
    },
    {
      id: 'park-bench-east', areaId: 'stadspark',
      purpose: 'Measure use of the benches in the city park to plan maintenance and extra seating',
      location: { lat: 52.3601, lon: 4.8852, description: 'On the lamp post east of the fountain, facing the benches' },
      area: { m2: 2.4, zone: [[-1000, 800], [1000, 800], [1000, 2000], [-1000, 2000]] },
      scenario: { seed: 23, cycleSeconds: 100, peakPeople: 5, quietPeople: 0.4, dwellSeconds: 30, peakAt: 0.5, peakWidth: 0.5 },
    },
    {
      id: 'kiosk-queue', areaId: 'station-square',
      purpose: 'Show the queue length at the ticket kiosk on the station square to spread travellers',
      location: { lat: 52.3791, lon: 4.9003, description: 'Above the ticket kiosk, looking along the queue' },
      area: { m2: 3, zone: [[-500, 400], [500, 400], [500, 3400], [-500, 3400]] },
      scenario: { seed: 37, cycleSeconds: 60, peakPeople: 5, quietPeople: 0.8, dwellSeconds: 12, peakAt: 0.8, peakWidth: 0.5 },
    },
  ];
  return raw.map(({ scenario, ...m }) => {
    const result = validateManifest({ ...COMMON, ...m, expiresAt, registerUrl: `${httpBase}/sensors/${m.id}`, gatewayUrl: mqttUrl }, nowMs);
    if (!result.ok) throw new Error(`demo manifest ${m.id} is invalid:\n${formatManifestErrors(result.errors)}`);
    return { manifest: result.manifest, scenario };
  });
}
