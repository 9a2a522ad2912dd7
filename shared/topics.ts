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

const SENSOR_PREFIX = 'drukte/v1/sensors/';

/**
 * Parse a sensor topic; returns null for anything that is not exactly one of the two sensor topics. Runs on every
 * message (broker policy and ingest), so it reads the string in place instead of splitting it.
 */
export function parseSensorTopic(topic: string): ParsedSensorTopic | null {
  if (!topic.startsWith(SENSOR_PREFIX)) return null;
  const slash = topic.indexOf('/', SENSOR_PREFIX.length);
  if (slash < 0) return null;
  const rest = topic.length - slash - 1;
  const kind = rest === 9 && topic.endsWith('aggregate') ? 'aggregate' : rest === 6 && topic.endsWith('status') ? 'status' : null;
  if (!kind) return null;
  const sensorId = topic.slice(SENSOR_PREFIX.length, slash);
  return isValidId(sensorId) ? { sensorId, kind } : null;
}

/** Does an MQTT topic match a filter (`+` one level, `#` the rest) [MQTT-4.7]? */
export function topicMatches(filter: string, topic: string): boolean {
  return compileTopicFilter(filter)(topic);
}

/**
 * A filter compiled once into a matcher that reads the topic in place (no split per message): for the hot paths
 * that test every message against the same few filters.
 */
export function compileTopicFilter(filter: string): (topic: string) => boolean {
  const levels = filter.split('/');
  return (topic) => {
    let at = 0;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return true;
      if (at > topic.length) return false; // the topic has fewer levels
      let end = topic.indexOf('/', at);
      if (end < 0) end = topic.length;
      if (level !== '+' && (end - at !== level.length || !topic.startsWith(level, at))) return false;
      at = end + 1;
    }
    return at === topic.length + 1; // every level of the topic was matched
  };
}
