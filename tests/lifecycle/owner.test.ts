/**
 * One reachable owner per sensor: `drukte owner transfer` records the handover (time, both parties) in the
 * gateway's append-only audit log, through its data directory or its authenticated admin API; `drukte owner
 * history` shows the log. A sensor without a reachable new owner is not handed over.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { validateManifest } from '../../shared/manifest.ts';
import { run as owner } from '../../cli/owner.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { SqliteSensorRegister, sensorInfoFromManifest } from '../../gateway/register.ts';
import { dayAfter, REPO } from './helpers.ts';

const runCli = promisify(execFile);
const TOKEN = 'admin-token-for-owner-tests-42';
const OWNER = { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeldstad', email: 'drukte@voorbeeldstad.example' };

function info(id: string) {
  const r = validateManifest({
    id, driver: 'ld2450', owner: OWNER, purpose: 'Show how busy the entrance is', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-1',
    location: { lat: 52, lon: 4, description: 'entrance' }, area: { m2: 3, zone: [[-1000, 500], [1000, 500], [1000, 2000]] },
    expiresAt: dayAfter(Date.now(), 100), registerUrl: `https://register.example/sensors/${id}`, gatewayUrl: 'mqtts://gw.example:8883',
  }, Date.now());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return sensorInfoFromManifest(r.manifest);
}

/** Run the verb in this process; returns its exit status and what it printed. */
async function ownerCli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  try {
    return { code: await owner(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('drukte owner', () => {
  const work = mkdtempSync(join(tmpdir(), 'drukte-owner-'));
  const dataDir = join(work, 'gateway-data');
  let gateway: Gateway;

  beforeAll(async () => {
    const db = openDatabase(dataDir);
    const register = new SqliteSensorRegister(db, systemClock);
    register.create(info('dam-noord'));
    register.create(info('kiosk-queue'));
    db.close();
    writeFileSync(join(work, 'token'), TOKEN, { mode: 0o600 });
    gateway = await startGateway({ dataDir: join(work, 'api-gateway'), admin: { token: TOKEN }, mqtt: { port: 0 }, http: { port: 0 }, clock: systemClock, logger: silentLogger(), sensors: [info('station-square')] });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('hands over in the gateway\'s data directory and records time and both parties (real CLI)', async () => {
    const { stdout } = await runCli(process.execPath, [join(REPO, 'bin/drukte.js'), 'owner', 'transfer', '--sensor', 'dam-noord', '--to-name', 'Afdeling Evenementen',
      '--to-org', 'Gemeente Voorbeeldstad', '--to-email', 'evenementen@voorbeeldstad.example', '--to-phone', '+31 20 555 0100', '--note', 'handover after the festival season', '--gateway-data', dataDir], { timeout: 20_000 });
    expect(stdout).toMatch(/✓ owner of dam-noord handed over at \d{4}-\d{2}-\d{2}T/);
    expect(stdout).toContain('from Team Openbare Ruimte, Gemeente Voorbeeldstad <drukte@voorbeeldstad.example>');
    expect(stdout).toContain('to   Afdeling Evenementen, Gemeente Voorbeeldstad <evenementen@voorbeeldstad.example> +31 20 555 0100');

    const history = await ownerCli('history', '--sensor', 'dam-noord', '--gateway-data', dataDir);
    const lines = history.out.split('\n').filter((l) => l.startsWith('  #'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/register: owner Team Openbare Ruimte/);
    expect(lines[1]).toMatch(/transfer: Team Openbare Ruimte.* → Afdeling Evenementen.*\(handover after the festival season\)/);

    const db = openDatabase(dataDir); // the log cannot be rewritten afterwards
    expect(() => db.prepare("UPDATE register_audit SET note = 'nothing happened'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM register_audit').run()).toThrow(/append-only/);
    db.close();
  });

  it('hands over through the authenticated admin API', async () => {
    const r = await ownerCli('transfer', '--sensor', 'station-square', '--to-name', 'Team Stations', '--to-org', 'Vervoerregio', '--to-email', 'stations@vervoer.example',
      '--gateway', gateway.urls.http, '--admin-token-file', join(work, 'token'));
    expect(r.code).toBe(0);
    expect(gateway.register.get('station-square')!.owner).toEqual({ name: 'Team Stations', organisation: 'Vervoerregio', email: 'stations@vervoer.example' });
    expect(gateway.register.audit('station-square').map((e) => e.action)).toContain('transfer');
  });

  it('refuses a new owner that cannot be reached, an unknown sensor, and a wrong admin token', async () => {
    await expect(ownerCli('transfer', '--sensor', 'kiosk-queue', '--to-name', 'Nobody', '--to-org', 'Gemeente', '--gateway-data', dataDir)).rejects.toThrow(/needs --to-email/);
    await expect(ownerCli('transfer', '--sensor', 'kiosk-queue', '--to-name', 'Nobody', '--to-org', 'Gemeente', '--to-email', 'no-at-sign', '--gateway-data', dataDir)).rejects.toThrow(/reachable e-mail/);
    await expect(ownerCli('transfer', '--sensor', 'no-such-sensor', '--to-name', 'A B', '--to-org', 'Org', '--to-email', 'a@b.example', '--gateway-data', dataDir)).rejects.toThrow(/not registered/);
    writeFileSync(join(work, 'wrong'), 'wrong-token-0000000000');
    await expect(ownerCli('transfer', '--sensor', 'station-square', '--to-name', 'A B', '--to-org', 'Org', '--to-email', 'a@b.example', '--gateway', gateway.urls.http, '--admin-token-file', join(work, 'wrong'))).rejects.toThrow(/admin token is not accepted/);
    expect(gateway.register.get('station-square')!.owner.name).toBe('Team Stations');
  });
});
