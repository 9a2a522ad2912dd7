/**
 * The admin API's request bodies (gateway/http/admin-contract.ts lists the routes). The gateway checks every body against
 * these before it acts; a register or update body's `manifest` is then checked by validateManifest, in the words
 * `drukte provision` uses (the published schema inlines ManifestSchema).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SCRYPT_HASH_PATTERN } from '../patterns.ts';
import { Hex64, Id } from './kit.ts';
import { ManifestSchema, OwnerSchema } from './manifest.ts';

const closed = { additionalProperties: false } as const;

const Credential = Type.String({ maxLength: 512, pattern: SCRYPT_HASH_PATTERN.source, description: 'must be a stored scrypt hash: scrypt$N=…,r=…,p=…$salt$hash (N 2^10–2^20)' });
const Hashes = {
  minimiserHash: Type.Optional(Hex64({ description: 'must be a sha256 hex digest' })),
  bundleHash: Type.Optional(Hex64({ description: 'must be a sha256 hex digest' })),
};
/** Required free text for the audit log; the gateway keeps its first AUDIT_NOTE_KEPT characters, trimmed. */
const Note = (description: string) => Type.String({ pattern: '\\S', description });

function sensorBody<M extends TSchema>(manifest: M, withCredential: boolean) {
  return Type.Object({ manifest, ...Hashes, ...(withCredential ? { credential: Type.Optional(Credential) } : {}) }, { ...closed });
}

/** POST /api/admin/sensors, and PUT /api/admin/sensors/{id} (no credential). */
export const RegisterSensorRequestSchema = sensorBody(ManifestSchema, true);
export const UpdateSensorRequestSchema = sensorBody(ManifestSchema, false);
/** The same bodies with the manifest left to validateManifest (what the gateway checks first). */
export const RegisterSensorEnvelope = sensorBody(Type.Unknown(), true);
export const UpdateSensorEnvelope = sensorBody(Type.Unknown(), false);

export const TransferRequestSchema = Type.Object({ owner: OwnerSchema, note: Type.Optional(Type.String({ description: 'why; kept in the audit log' })) }, { ...closed });
export const RetireRequestSchema = Type.Object({ reason: Note('a reason for retiring is required') }, { ...closed });
export const ResumeRequestSchema = Type.Object({ note: Note('a note saying why the sensor may publish again is required') }, { ...closed });
export const CredentialRequestSchema = Type.Object({ credential: Type.Optional(Credential) }, { ...closed });
export const ReaderRequestSchema = Type.Object({ username: Id({ description: "must be 3–63 of a-z, 0-9 and '-'" }), credential: Type.Optional(Credential) }, { ...closed });

export type TransferRequestJson = Static<typeof TransferRequestSchema>;
export type RetireRequestJson = Static<typeof RetireRequestSchema>;
export type ResumeRequestJson = Static<typeof ResumeRequestSchema>;
export type CredentialRequestJson = Static<typeof CredentialRequestSchema>;
export type ReaderRequestJson = Static<typeof ReaderRequestSchema>;
