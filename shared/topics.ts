/**
 * MQTT topic contract v1 (docs: docs/PROTOCOL.md, "MQTT contract v1").
 *
 *   drukte/v1/sensors/{sensorId}/aggregate   sensor → gateway   QoS 1, not retained, CBOR
 *   drukte/v1/sensors/{sensorId}/status      sensor → gateway   QoS 1, retained (+ last will), CBOR
 *   drukte/v1/areas/{areaId}/density         gateway → feeds    QoS 1, retained, JSON
 */

import { isValidId } from './patterns.ts';

/** Sensor and area ids (shared/patterns.ts): lower-case letters, digits and dashes, 3–63, not starting with a dash. */
export { ID_PATTERN, isValidId } from './patterns.ts';

export const TOPIC_ROOT = 'drukte/v1';

function assertId(id: string, what: string): void {
  if (!isValidId(id)) {
    throw new Error(`invalid ${what} id ${JSON.stringify(id)}: use 3–63 of a-z, 0-9 and '-', not starting with '-'`);
  }
}

export function aggregateTopic(sensorId: string): `drukte/v1/sensors/${string}/aggregate` {
  assertId(sensorId, 'sensor');
  return `drukte/v1/sensors/${sensorId}/aggregate`;
}

export function statusTopic(sensorId: string): `drukte/v1/sensors/${string}/status` {
  assertId(sensorId, 'sensor');
  return `drukte/v1/sensors/${sensorId}/status`;
}

export function areaDensityTopic(areaId: string): `drukte/v1/areas/${string}/density` {
  assertId(areaId, 'area');
  return `drukte/v1/areas/${areaId}/density`;
}

/** Subscription filters the gateway uses. */
export const SENSOR_AGGREGATE_FILTER = 'drukte/v1/sensors/+/aggregate';
export const SENSOR_STATUS_FILTER = 'drukte/v1/sensors/+/status';

export type SensorTopicKind = 'aggregate' | 'status';

export interface ParsedSensorTopic {
  sensorId: string;
  kind: SensorTopicKind;
}

/** Parse a sensor topic; returns null for anything that is not exactly one of the two sensor topics. */
export function parseSensorTopic(topic: string): ParsedSensorTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5) return null;
  const [root, version, sensors, sensorId, kind] = parts;
  if (root !== 'drukte' || version !== 'v1' || sensors !== 'sensors') return null;
  if (!isValidId(sensorId)) return null;
  if (kind !== 'aggregate' && kind !== 'status') return null;
  return { sensorId, kind };
}

/** Does an MQTT topic match a filter (`+` one level, `#` the rest) [MQTT-4.7]? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
