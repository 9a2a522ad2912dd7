/**
 * The register in the shapes of two Dutch sensor registers, for import elsewhere (pure functions).
 *
 * SensRNet-like (GET /api/export/sensrnet), after the SensRNet registry data model (kadaster-labs/sensrnet-home,
 * docs/Definitions.rst): a LegalEntity (the owner) owns Devices; a Device (the sensor unit at its location) holds
 * Sensors (the radar or beam counter) and Datastreams (what it publishes); a Datastream serves ObservationGoals
 * (purpose and legal ground). One datastream per published quantity: the density level always, the count only
 * for `level+count` sensors.
 *
 * Amsterdam-like (GET /api/export/amsterdam), after the Amsterdam sensor register (Amsterdam/iot-api, Device2):
 * one flat record per sensor with owner, location, datastream, observation goals and `active_until`.
 *
 * Both list every sensor that is not retired; expired ones are marked inactive (they are to be removed).
 * "Personal data" is false because of what leaves the sensor: counts and levels over ≥ 10 s, below the k floor
 * only "fewer than k"; positions exist only inside the sensor, in memory, for one frame.
 */
import { LEVEL_LETTERS } from '../shared/density.ts';
import { registerStatus, type SensorRecord } from './register.ts';

const DEVICE_TYPES: Record<string, { nl: string; manufacturer: string; kind: string }> = {
  ld2450: { nl: 'Radarsensor (mmWave, HLK-LD2450)', manufacturer: 'Hi-Link (HLK)', kind: 'radar' },
  'ti-people': { nl: 'Radarsensor (mmWave, TI people counting)', manufacturer: 'Texas Instruments', kind: 'radar' },
  ld2410: { nl: 'Aanwezigheidsradar (HLK-LD2410)', manufacturer: 'Hi-Link (HLK)', kind: 'radar' },
  beam: { nl: 'Lichtsluis (telpoort)', manufacturer: 'onbekend / unknown', kind: 'light beam' },
};

function slug(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'owner';
}

/** Absolute API URL next to the register URL (same origin), or a path when the register URL is not absolute. */
function apiUrl(registerUrl: string, path: string): string {
  try {
    return new URL(path, new URL(registerUrl).origin).toString();
  } catch {
    return path;
  }
}

const exportable = (records: readonly SensorRecord[]) => records.filter((r) => r.lifecycle !== 'retired');

export function sensrnetExport(records: readonly SensorRecord[], nowMs: number) {
  const rs = exportable(records);
  const entities = new Map<string, { id: string; name: string; website: null; contactDetails: Array<{ name: string; email: string; phone: string | null }> }>();
  for (const { info } of rs) {
    const id = `le-${slug(info.owner.organisation)}`;
    const entity = entities.get(id) ?? { id, name: info.owner.organisation, website: null, contactDetails: [] };
    if (!entity.contactDetails.some((c) => c.email === info.owner.email)) entity.contactDetails.push({ name: info.owner.name, email: info.owner.email, phone: info.owner.phone ?? null });
    entities.set(id, entity);
  }
  const observationGoals = rs.map(({ info }) => ({
    id: `${info.id}-goal`, name: info.purpose.slice(0, 80), description: info.purpose, legalGround: info.legalGround, legalGroundLink: info.registerUrl,
  }));
  const devices = rs.map((r) => {
    const { info } = r;
    const type = DEVICE_TYPES[info.driver] ?? { nl: info.driver, manufacturer: 'unknown', kind: info.driver };
    const isActive = registerStatus(r, nowMs) !== 'expired';
    const window = info.windowSeconds ?? 60;
    const common = {
      sensorId: `${info.id}-sensor`, observedArea: { description: info.location.description, areaM2: info.area.m2 },
      theme: ['crowd management'], dataQuality: 'aggregated', isActive, isPublic: true, isOpenData: true,
      containsPersonalInfoData: false, isReusable: true, documentation: info.registerUrl, dataFrequency: window, observationGoalIds: [`${info.id}-goal`],
    };
    const datastreams = [{
      id: `${info.id}-level`, name: 'Density level', description: `Fruin level of service ${LEVEL_LETTERS.join('–')} (0–5) over ${window} s windows`,
      unitOfMeasurement: { name: 'level of service (0 = A … 5 = F)', symbol: 'LoS', definition: null as string | null }, dataLink: apiUrl(info.registerUrl, `/api/sensors/${info.id}`), ...common,
    }];
    if (info.output !== 'level') {
      datastreams.push({
        id: `${info.id}-count`, name: 'Occupancy count', description: `Persons in the zone, rounded down to ${info.granularity ?? 5}; null below ${info.kFloor}`,
        unitOfMeasurement: { name: 'persons', symbol: '{persons}', definition: 'https://ucum.org/ucum#section-Syntax-Rules' }, dataLink: apiUrl(info.registerUrl, `/api/sensors/${info.id}`), ...common,
      });
    }
    return {
      id: info.id, name: info.id, description: info.purpose, category: 'sensor', connectivity: 'MQTT (TLS)',
      legalEntityId: `le-${slug(info.owner.organisation)}`,
      location: { type: 'Point', coordinates: [info.location.lon, info.location.lat] },
      locationDetails: { name: info.areaId ?? info.id, description: info.location.description },
      sensors: [{ id: `${info.id}-sensor`, name: info.driver, description: type.nl, type: type.kind, manufacturer: type.manufacturer, supplier: null, documentation: info.registerUrl }],
      datastreams,
    };
  });
  return { format: 'sensrnet-like', version: 1, legalEntities: [...entities.values()], devices, observationGoals };
}

export function amsterdamExport(records: readonly SensorRecord[], nowMs: number) {
  return exportable(records).map((r) => {
    const { info } = r;
    return {
      reference: info.id,
      type: (DEVICE_TYPES[info.driver] ?? { nl: info.driver }).nl,
      owner: { name: info.owner.name, email: info.owner.email, telephone: info.owner.phone ?? null, organisation: info.owner.organisation, website: null },
      location: { latitude: info.location.lat, longitude: info.location.lon },
      location_description: info.location.description,
      datastream: info.output === 'level' ? 'Drukteniveau (geen aantallen, beelden, identiteiten of posities)' : 'Aantal aanwezigen en drukteniveau (geen beelden, identiteiten of posities)',
      themes: ['Drukte'],
      contains_pi_data: false,
      legal_ground: info.legalGround,
      privacy_declaration: info.registerUrl,
      observation_goals: [{ observation_goal: info.purpose, privacy_declaration: info.registerUrl, legal_ground: info.legalGround }],
      dpia: info.dpiaRef,
      active_until: info.expiresAt,
      status: registerStatus(r, nowMs),
      regions: info.areaId ? [info.areaId] : [],
      projects: [],
    };
  });
}
