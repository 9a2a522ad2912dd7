/**
 * issue 14, must-have 3: machine secrets (256 bits) under a keyed hash (HMAC-SHA-256, key in <dataDir>/credential.key,
 * 0600), scrypt kept for what a person types; a sensor credential stored as scrypt moves to the keyed hash at its
 * first successful login, and stays there when the same configuration is imported again at the next start.
 */
import { mkdtempSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, memorySink } from '../../shared/log.ts';
import { ManualClock } from '../../shared/clock.ts';
import {
  CREDENTIAL_KEY_FILE, CredentialHasher, generateSecret, hashSecret, isHmacHash, isScryptHash, isStoredHash, loadCredentialKey, machineSecret,
} from '../../gateway/credentials.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { connectClient, sensorInfo, T0, TEST_HASH } from './helpers.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'drukte-hmac-'));

describe('the keyed hash', () => {
  it('generates 256-bit secrets, hashes them under the key, and checks them in constant time', async () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(machineSecret(secret)).toBe(true);
    const hasher = new CredentialHasher(Buffer.alloc(32, 7));
    const stored = hasher.hash(secret);
    expect(stored).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{43}$/);
    expect(isStoredHash(stored) && isHmacHash(stored) && !isScryptHash(stored)).toBe(true);
    expect(await hasher.verify(secret, stored)).toBe(true);
    expect(await hasher.verify(`${secret}x`, stored)).toBe(false);
    expect(await hasher.verify(undefined, stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
    expect(await hasher.verify(secret, 'hmac-sha256$short')).toBe(false);
    // Another key: the same secret does not match (a stolen database alone does not check guesses).
    expect(await new CredentialHasher(Buffer.alloc(32, 8)).verify(secret, stored)).toBe(false);
    // scrypt hashes are still checked (the admin token, credentials from drukte provision).
    expect(await hasher.verify('a person typed this', await hashSecret('a person typed this', TEST_HASH))).toBe(true);
    expect(await hasher.verifyAgainstNothing(secret)).toBe(false);
  });

  it('treats only base64url secrets of ≥ 192 bits as machine secrets', () => {
    expect(machineSecret('Correct horse battery staple!')).toBe(false);
    expect(machineSecret('pw-dam-noord-7c41a9')).toBe(false);
    expect(machineSecret('A'.repeat(32))).toBe(true);
  });

  it('keeps its key in <dataDir>/credential.key: created 0600, the same at every start, tightened, a damaged one refused', () => {
    const dir = tempDir();
    const key = loadCredentialKey(dir);
    const file = join(dir, CREDENTIAL_KEY_FILE);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCredentialKey(dir).equals(key)).toBe(true);
    chmodSync(file, 0o644);
    expect(loadCredentialKey(dir).equals(key)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, readFileSync(file).subarray(0, 5));
    expect(() => loadCredentialKey(dir)).toThrow(/damaged/);
    expect(loadCredentialKey(null)).toHaveLength(32);
  });
});

describe('migration at the first successful login', () => {
  const ID = 'dam-noord';
  const MACHINE = 'Q'.repeat(10) + generateSecret().slice(10); // 43 base64url characters
  const HUMAN = 'pw-kiosk-7c41a9';

  async function start(dataDir: string, credentials: Array<{ username: string; role: 'sensor'; hash: string }>, logs = memorySink()): Promise<Gateway> {
    return startGateway({
      dataDir, mqtt: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, clock: new ManualClock(T0),
      logger: createLogger('test', { destination: logs.stream, level: 'debug' }), hashParams: TEST_HASH,
      sensors: [sensorInfo(ID), sensorInfo('kiosk-one')], credentials,
    });
  }

  it('moves a machine secret from scrypt to the keyed hash, keeps a typed one on scrypt, and survives a restart', async () => {
    const dir = tempDir();
    const config = [
      { username: ID, role: 'sensor' as const, hash: await hashSecret(MACHINE, TEST_HASH) },
      { username: 'kiosk-one', role: 'sensor' as const, hash: await hashSecret(HUMAN, TEST_HASH) },
    ];
    const logs = memorySink();
    let gw = await start(dir, config, logs);
    const url = () => `mqtt://127.0.0.1:${gw.mqttPort}`;
    try {
      expect(isScryptHash(gw.credentials.get(ID)!.hash)).toBe(true);
      // A wrong password moves nothing.
      await expect(connectClient(url(), { clientId: `sensor-${ID}`, username: ID, password: `${MACHINE.slice(1)}Z` })).rejects.toThrow();
      expect(isScryptHash(gw.credentials.get(ID)!.hash)).toBe(true);
      const c = await connectClient(url(), { clientId: `sensor-${ID}`, username: ID, password: MACHINE });
      await c.endAsync();
      expect(isHmacHash(gw.credentials.get(ID)!.hash)).toBe(true);
      expect(logs.text()).toContain('credential moved from scrypt to the keyed hash');
      const k = await connectClient(url(), { clientId: 'sensor-kiosk-one', username: 'kiosk-one', password: HUMAN });
      await k.endAsync();
      expect(isScryptHash(gw.credentials.get('kiosk-one')!.hash)).toBe(true); // a person's password keeps scrypt
    } finally {
      await gw.stop();
    }
    // Restart with the same configuration: the keyed hash stays, the sensor still logs in.
    gw = await start(dir, config);
    try {
      expect(isHmacHash(gw.credentials.get(ID)!.hash)).toBe(true);
      const c = await connectClient(url(), { clientId: `sensor-${ID}`, username: ID, password: MACHINE });
      await c.endAsync();
      await expect(connectClient(url(), { clientId: `sensor-${ID}`, username: ID, password: HUMAN })).rejects.toThrow();
    } finally {
      await gw.stop();
    }
    // A new credential in the configuration (re-provisioned sensor) replaces the keyed hash.
    const other = generateSecret();
    gw = await start(dir, [{ username: ID, role: 'sensor', hash: await hashSecret(other, TEST_HASH) }]);
    try {
      expect(isScryptHash(gw.credentials.get(ID)!.hash)).toBe(true);
      await expect(connectClient(url(), { clientId: `sensor-${ID}`, username: ID, password: MACHINE })).rejects.toThrow();
    } finally {
      await gw.stop();
    }
  });
});
