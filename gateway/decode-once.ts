/**
 * A sensor payload is decoded and validated once per message, not once by the broker's policy and again by ingest:
 * the result is kept beside the payload's own bytes (a WeakMap on the Buffer aedes hands to both), and goes with them.
 * A different Buffer (another message, the external broker's copy) is decoded afresh, so nothing can be mixed up.
 */
import { decodeSensorPayload } from '../shared/codec.ts';
import type { SensorPayloadKind, SensorPayloads, Validation } from '../shared/payloads.ts';

const decoded = new WeakMap<Uint8Array, { kind: SensorPayloadKind; result: Validation<unknown> }>();

export function decodeOnce<K extends SensorPayloadKind>(kind: K, payload: Uint8Array): Validation<SensorPayloads[K]> {
  const hit = decoded.get(payload);
  if (hit && hit.kind === kind) return hit.result as Validation<SensorPayloads[K]>;
  const result = decodeSensorPayload(kind, payload);
  decoded.set(payload, { kind, result });
  return result;
}
