/**
 * The register in the published data models of two Dutch sensor registers, for import there (pure functions).
 * Field-by-field mapping, and what is left out and why, in docs/FORMATS.md.
 *
 * SensRNet (GET /api/export/sensrnet): the query models of the SensRNet registry node
 * (kadaster-labs/sensrnet-registry-backend, src/query/model/*.ts): LegalEntity {_id, name, website?,
 * contactDetails[{_id, name?, email?, phone?, isPublic}]}, Device {_id, name, description?, category?,
 * connectivity?, locationDetails?, location?, sensors[], datastreams[]}, Sensor {_id, name?, description?, type,
 * manufacturer?, supplier?, documentation?}, Datastream {_id, sensorId, name, description?, unitOfMeasurement?,
 * observationArea?, theme?, dataQuality?, isActive?, isPublic?, isOpenData?, containsPersonalInfoData?,
 * isReusable?, documentation?, dataLink?, observationGoalIds?}, ObservationGoal {_id, name, description?,
 * legalGround?, legalGroundLink?}, and Relation {legalEntityId, relationVariant, targetVariant, targetId} for who
 * is accountable for a device. Only those keys; optional ones are left out when drukte has no honest value.
 *
 * Amsterdam (GET /api/export/amsterdam): the device records of the Amsterdam sensor register API
 * (Amsterdam/iot-api, src/iot/serializers.py DeviceSerializer over models.Device2): exactly its 12 fields.
 *
 * Both list every sensor that is not retired; an expired one stays until it is retired (isActive false /
 * active_until in the past). "Personal data" is false because of what leaves the sensor: counts and levels over
 * ≥ 10 s windows, below the k floor only "fewer than k"; positions exist only inside the sensor, for one frame.
 */
import { LEVEL_LETTERS } from '../../shared/density.ts';
import { registerStatus, type SensorRecord } from '../register.ts';

const DEVICE_TYPES: Record<string, { nl: string; manufacturer: string; kind: string }> = {
  ld2450: { nl: 'Radarsensor (mmWave, HLK-LD2450)', manufacturer: 'Hi-Link (HLK)', kind: 'radar' },
  'ti-people': { nl: 'Radarsensor (mmWave, TI people counting)', manufacturer: 'Texas Instruments', kind: 'radar' },
  ld2410: { nl: 'Aanwezigheidsradar (HLK-LD2410)', manufacturer: 'Hi-Link (HLK)', kind: 'radar' },
  beam: { nl: 'Lichtsluis (telpoort)', manufacturer: 'onbekend / unknown', kind: 'light beam' },
};

/** SensRNet Relation.relationVariant ACCOUNTABLE and targetVariant DEVICE (relation.model.ts). */
export const SENSRNET_ACCOUNTABLE = 0;
export const SENSRNET_TARGET_DEVICE = 0;
/** Amsterdam's CharField limits (models.py): longer text is cut, marked with an ellipsis. */
const AMSTERDAM_MAX_TEXT = 255;

function slug(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'owner';
}

/** Amsterdam keeps at most 15 characters of a phone number: the formatting goes first (spaces, dashes, dots). */
const telephone = (phone: string | undefined) => (!phone ? '' : phone.length <= 15 ? phone : phone.replace(/[\s().-]/g, ''));

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Absolute API URL next to the register URL (same origin), or a path when the register URL is not absolute. */
function apiUrl(registerUrl: string, path: string): string {
  try {
    return new URL(path, new URL(registerUrl).origin).toString();
  } catch {
    return path;
  }
}

const exportable = (records: readonly SensorRecord[]) => records.filter((r) => r.lifecycle !== 'retired');
const point = (r: SensorRecord) => ({ type: 'Point' as const, coordinates: [r.info.location.lon, r.info.location.lat] });

export function sensrnetExport(records: readonly SensorRecord[], nowMs: number) {
  const rs = exportable(records);
  const entities = new Map<string, { _id: string; name: string; contactDetails: Array<{ _id: string; name: string; email: string; phone?: string; isPublic: boolean }> }>();
  for (const { info } of rs) {
    const id = `le-${slug(info.owner.organisation)}`;
    const entity = entities.get(id) ?? { _id: id, name: info.owner.organisation, contactDetails: [] };
    if (!entity.contactDetails.some((c) => c.email === info.owner.email)) {
      entity.contactDetails.push({ _id: `${id}-contact-${entity.contactDetails.length + 1}`, name: info.owner.name, email: info.owner.email, ...(info.owner.phone ? { phone: info.owner.phone } : {}), isPublic: true });
    }
    entities.set(id, entity);
  }
  const observationGoals = rs.map(({ info }) => ({ _id: `${info.id}-goal`, name: clip(info.purpose, 80), description: info.purpose, legalGround: info.legalGround }));
  const devices = rs.map((r) => {
    const { info } = r;
    const type = DEVICE_TYPES[info.driver] ?? { nl: info.driver, manufacturer: 'unknown', kind: info.driver };
    const isActive = registerStatus(r, nowMs) !== 'expired';
    const window = info.windowSeconds ?? 60;
    const sensorId = `${info.id}-sensor`;
    const common = {
      sensorId, observationArea: point(r), theme: ['crowd management'], isActive, isPublic: true, isOpenData: true,
      containsPersonalInfoData: false, isReusable: true, documentation: info.registerUrl, dataLink: apiUrl(info.registerUrl, `/api/sensors/${info.id}/history`), observationGoalIds: [`${info.id}-goal`],
    };
    const datastreams: Array<Record<string, unknown>> = [{
      _id: `${info.id}-level`, name: 'Density level', description: `Fruin level of service ${LEVEL_LETTERS.join('–')} (0–5) per ${window} s window`,
      unitOfMeasurement: { name: 'level of service (0 = A … 5 = F)', symbol: 'LoS' }, ...common,
    }];
    if (info.output !== 'level') {
      datastreams.push({
        _id: `${info.id}-count`, name: 'Occupancy count', description: `People in a zone of ${info.area.m2} m² per ${window} s window, rounded down to ${info.granularity ?? 5}; only "fewer than ${info.kFloor}" below ${info.kFloor}`,
        unitOfMeasurement: { name: 'person', symbol: '{persons}', definition: 'http://unitsofmeasure.org/ucum.html#para-curly' }, ...common,
      });
    }
    return {
      _id: info.id, name: info.id, description: info.purpose, category: 'sensor',
      locationDetails: { name: info.areaId ?? info.id, description: info.location.description },
      location: point(r),
      sensors: [{ _id: sensorId, name: info.driver, description: type.nl, type: type.kind, manufacturer: type.manufacturer, documentation: info.registerUrl }],
      datastreams,
    };
  });
  const relations = rs.map(({ info }) => ({ legalEntityId: `le-${slug(info.owner.organisation)}`, relationVariant: SENSRNET_ACCOUNTABLE, targetVariant: SENSRNET_TARGET_DEVICE, targetId: info.id }));
  return { format: 'sensrnet-registry-query-model', version: 2, legalEntities: [...entities.values()], devices, observationGoals, relations };
}

export function amsterdamExport(records: readonly SensorRecord[], _nowMs: number) {
  return exportable(records).map(({ info }) => ({
    owner: { name: clip(info.owner.name, AMSTERDAM_MAX_TEXT), email: info.owner.email, organisation: clip(info.owner.organisation, AMSTERDAM_MAX_TEXT), telephone: telephone(info.owner.phone), website: null },
    type: (DEVICE_TYPES[info.driver] ?? { nl: info.driver }).nl,
    regions: info.areaId ? [info.areaId] : [],
    location: { latitude: info.location.lat, longitude: info.location.lon },
    location_description: clip(info.location.description, AMSTERDAM_MAX_TEXT),
    datastream: info.output === 'level' ? 'Drukteniveau (geen aantallen, beelden, identiteiten of posities)' : 'Aantal aanwezigen en drukteniveau (geen beelden, identiteiten of posities)',
    themes: ['Drukte'],
    contains_pi_data: false,
    observation_goals: [{ observation_goal: clip(info.purpose, AMSTERDAM_MAX_TEXT), privacy_declaration: info.registerUrl, legal_ground: info.legalGround }],
    project_paths: [] as string[][],
    active_until: info.expiresAt,
    reference: info.id,
  }));
}
