/**
 * CBOR codec for sensor payloads (RFC 8949).
 *
 * cbor-x is used without its record extension (`useRecords: false`) and without structured cloning, so any CBOR
 * decoder can read our payloads: an Aggregate is a plain CBOR map of 7 text keys.
 *
 * encodeSensorPayload is egress guard (b): it validates against the allow-list before encoding and throws on
 * anything else, whatever the caller's types said.
 */
import { Decoder, Encoder } from 'cbor-x';
import { VALIDATORS, type SensorPayloadKind, type SensorPayloads, type Validation } from './payloads.ts';

const encoder = new Encoder({ useRecords: false, structuredClone: false, pack: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, structuredClone: false, mapsAsObjects: true });

export class PayloadRefused extends Error {
  constructor(kind: string, readonly errors: string[]) {
    super(`refusing to encode ${kind}: ${errors.join('; ')}`);
    this.name = 'PayloadRefused';
  }
}

/** Validate then encode. Throws PayloadRefused when the payload is not exactly a contract payload. */
export function encodeSensorPayload<K extends SensorPayloadKind>(kind: K, payload: SensorPayloads[K]): Buffer {
  const checked = VALIDATORS[kind](payload);
  if (!checked.ok) throw new PayloadRefused(kind, checked.errors);
  // Re-build from the allow-list so key order is canonical and nothing else can ride along.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(payload).sort()) copy[key] = (payload as unknown as Record<string, unknown>)[key];
  return encoder.encode(copy);
}

/** Decode raw CBOR bytes without validation (for tests and tools). Throws on malformed CBOR. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** Decode and validate; never throws. */
export function decodeSensorPayload<K extends SensorPayloadKind>(kind: K, bytes: Uint8Array): Validation<SensorPayloads[K]> {
  if (bytes.length === 0) return { ok: false, errors: ['empty payload'] };
  if (bytes.length > 1024) return { ok: false, errors: [`payload too large (${bytes.length} bytes, max 1024)`] };
  // A contract payload is a plain CBOR map (major type 5). Tags — including cbor-x's record extension (tag 105)
  // and structured clones — are not part of the contract, even though cbor-x itself could read them.
  if (bytes[0]! >> 5 !== 5) return { ok: false, errors: ['not a CBOR map (tags and the cbor-x record extension are not part of the contract)'] };
  let decoded: unknown;
  try {
    decoded = decoder.decode(bytes);
  } catch {
    return { ok: false, errors: ['not valid CBOR'] };
  }
  return VALIDATORS[kind](decoded);
}
