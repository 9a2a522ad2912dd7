/**
 * The SensorRegister contract, run against every implementation (in memory now; SQLite later: add it to the
 * list below).
 */
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../shared/manifest.ts';
import { InMemorySensorRegister, InvalidSensorInfo, sensorInfoFromManifest, validateSensorInfo, type SensorRegister } from '../../gateway/register.ts';
import { sensorInfo, T0 } from './helpers.ts';

const implementations: Array<[string, () => SensorRegister]> = [['in-memory', () => new InMemorySensorRegister()]];

describe.each(implementations)('SensorRegister contract: %s', (_name, make) => {
  it('is empty at first', () => {
    const r = make();
    expect(r.list()).toEqual([]);
    expect(r.get('dam-noord')).toBeUndefined();
  });

  it('upserts, gets and lists by id', () => {
    const r = make();
    r.upsert(sensorInfo('dam-zuid'));
    r.upsert(sensorInfo('dam-noord'));
    r.upsert(sensorInfo('dam-noord', { purpose: 'Queue length at the tram stop' }));
    expect(r.list().map((s) => s.id)).toEqual(['dam-noord', 'dam-zuid']);
    expect(r.get('dam-noord')?.purpose).toBe('Queue length at the tram stop');
  });

  it('hands out copies: callers cannot change the register behind its back', () => {
    const r = make();
    const info = sensorInfo('dam-noord');
    r.upsert(info);
    info.purpose = 'changed';
    r.get('dam-noord')!.owner.email = 'x@y.z';
    expect(r.get('dam-noord')?.purpose).toBe(sensorInfo('dam-noord').purpose);
    expect(r.get('dam-noord')?.owner.email).toBe('drukte@voorbeeld.nl');
  });

  it('refuses a sensor without owner, purpose, legal ground or expiry, naming every problem', () => {
    const r = make();
    const bad = { ...sensorInfo('dam-noord'), owner: { name: '', organisation: '', email: '' }, purpose: '', legalGround: ' ', expiresAt: '2025-13-01' };
    expect(() => r.upsert(bad)).toThrow(InvalidSensorInfo);
    try {
      r.upsert(bad);
    } catch (err) {
      expect((err as InvalidSensorInfo).errors).toEqual([
        'dam-noord: owner needs a name and an organisation',
        'dam-noord: purpose is required',
        'dam-noord: legalGround is required',
        'dam-noord: expiresAt must be a date YYYY-MM-DD',
      ]);
    }
    expect(r.list()).toEqual([]);
  });
});

describe('sensorInfoFromManifest', () => {
  it('takes the public parts of a validated manifest', () => {
    const m = validateManifest(
      {
        id: 'dam-noord',
        driver: 'ld2450',
        owner: { name: 'Team OR', organisation: 'Gemeente Voorbeeld', email: 'drukte@voorbeeld.nl' },
        purpose: 'Crowd safety on the square during events',
        legalGround: 'AVG art. 6(1)(e)',
        dpiaRef: 'DPIA-1',
        location: { lat: 52.37, lon: 4.89, description: 'Dam north' },
        area: { m2: 40, zone: [[-2000, 0], [2000, 0], [2000, 6000], [-2000, 6000]] },
        expiresAt: '2026-01-01',
        registerUrl: 'https://register.voorbeeld.nl/sensors/dam-noord',
        gatewayUrl: 'mqtts://gateway.voorbeeld.nl:8883',
      },
      T0,
    );
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    const info = sensorInfoFromManifest(m.manifest);
    expect(validateSensorInfo(info)).toEqual([]);
    expect(info).toMatchObject({ id: 'dam-noord', area: { m2: 40 }, kFloor: 5, windowSeconds: 60, granularity: 5, output: 'level+count' });
    expect(JSON.stringify(info)).not.toContain('zone');
    expect(JSON.stringify(info)).not.toContain('gatewayUrl');
  });
});
