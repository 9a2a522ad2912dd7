/**
 * A sensor payload is decoded and validated once per message, not once by the broker's policy and again by ingest:
 * the policy's result travels with the message (a `Checked` on the packet aedes hands to the interceptors, then in
 * the BrokerMessage), together with the very bytes it was computed from. Ingest uses it only for those same bytes and
 * the same payload kind; anything else (another path, the external broker's copy, a broker-internal publish) is
 * decoded afresh, so nothing can be mixed up.
 */
import { decodeSensorPayload } from '../shared/codec.ts';
import type { SensorPayloadKind, SensorPayloads, Validation } from '../shared/payloads.ts';

/** The key under which the policy leaves its result on an aedes packet (a symbol: no client can set it). */
export const CHECKED: unique symbol = Symbol('drukte.checked');

/** The decoded and validated payload of one message, with the bytes it came from. */
export interface Checked {
  readonly kind: SensorPayloadKind;
  readonly payload: Uint8Array;
  readonly result: Validation<unknown>;
}

/** Decode and validate a sensor payload, keeping the result for whoever checks the same message next. */
export function checkPayload(kind: SensorPayloadKind, payload: Uint8Array): Checked {
  return { kind, payload, result: decodeSensorPayload(kind, payload) };
}

/** The decoded payload: `carried` when it was computed from these very bytes as this kind, else decoded now. */
export function decodeOnce<K extends SensorPayloadKind>(kind: K, payload: Uint8Array, carried?: Checked): Validation<SensorPayloads[K]> {
  if (carried && carried.kind === kind && carried.payload === payload) return carried.result as Validation<SensorPayloads[K]>;
  return decodeSensorPayload(kind, payload);
}
