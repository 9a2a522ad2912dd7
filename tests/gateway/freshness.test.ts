/**
 * Freshness follows the heartbeat (shared/freshness.ts): a steady sensor re-publishes an unchanged result only once
 * per heartbeat, so its area density must not vanish between heartbeats. Production defaults (window 60 s, k 5,
 * granularity 5, heartbeat 300 s), the real minimiser producing the aggregates, the gateway's clock driven through
 * one simulated hour, the area density read every 10 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMinimiser } from '../../firmware/minimiser/minimiser.ts';
import { settingsFromManifest } from '../../firmware/settings.ts';
import { RawFrame } from '../../hardware/frame.ts';
import { DEFAULT_HEARTBEAT_SECONDS, validateManifest } from '../../shared/manifest.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { freshForSeconds, heartbeatOf } from '../../shared/freshness.ts';
import { sensorInfoFromManifest } from '../../gateway/register.ts';
import { encodeAggregate, fetchJson, startTestGateway, T0, testManifest, type TestGateway } from './helpers.ts';

const PRODUCTION = { windowSeconds: 60, kFloor: 5, granularity: 5, output: 'level+count' };

function productionManifest(id: string, extra: Record<string, unknown> = {}) {
  const r = validateManifest(testManifest(id, { areaId: 'plein', area: { m2: 40 }, driver: 'beam', minimisation: PRODUCTION, ...extra }), T0);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.manifest;
}

describe('freshness rule', () => {
  it('is the heartbeat plus one window, with the firmware default heartbeat when the manifest names none', () => {
    const info = sensorInfoFromManifest(productionManifest('plein-oost'));
    expect(info.heartbeatSeconds).toBe(DEFAULT_HEARTBEAT_SECONDS);
    expect(heartbeatOf(info)).toBe(300);
    expect(freshForSeconds(info)).toBe(360);
    expect(freshForSeconds({ windowSeconds: 600, heartbeatSeconds: 300 })).toBe(1200); // heartbeat never below the window
    expect(sensorInfoFromManifest(productionManifest('plein-west', { heartbeatSeconds: 120 })).heartbeatSeconds).toBe(120);
  });

  it('refuses a manifest heartbeat below the window or above an hour, with the reason', () => {
    for (const bad of [30, 3601, 90.5, '300']) {
      const r = validateManifest(testManifest('plein-oost', { minimisation: PRODUCTION, heartbeatSeconds: bad }), T0);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path)).toEqual(['heartbeatSeconds']);
    }
  });
});

describe('a steady sensor over a simulated hour (production defaults)', () => {
  let t: TestGateway | null = null;
  afterEach(async () => {
    await t?.gw.stop();
    t = null;
  });

  it('keeps the area density present and the sensor fresh, every 10 s of the hour', async () => {
    const steady = productionManifest('plein-oost');
    const busy = productionManifest('plein-west');
    const start = Math.ceil(T0 / 60_000) * 60_000; // window-aligned, like the firmware
    t = await startTestGateway([sensorInfoFromManifest(steady), sensorInfoFromManifest(busy)]);
    expect(t.gw.register.get('plein-oost')!.heartbeatSeconds).toBe(300); // kept in the register (SQLite), read back
    t.clock.setWall(start);
    // The real minimiser with the firmware's settings for each manifest; a frame per second.
    const sensors = [steady, busy].map((m) => ({ id: m.id, minimiser: createMinimiser(settingsFromManifest(m)), seq: 0, published: 0 }));
    const peopleAt = (id: string, s: number) => (id === 'plein-oost' ? 12 : s < 1800 ? 20 : 35); // west changes once
    const absent: number[] = [];
    const countless: number[] = [];
    for (let s = 0; s <= 3600; s++) {
      const now = start + s * 1000;
      t.clock.setWall(now);
      for (const x of sensors) {
        const result = x.minimiser.observe(RawFrame.fromOccupancy(peopleAt(x.id, s)), now);
        if (!result) continue;
        x.published++;
        const ok = t.gw.ingest.handle(aggregateTopic(x.id), encodeAggregate({ v: 1, sensor: x.id, seq: ++x.seq, ...result }));
        expect(ok).toEqual({ ok: true });
      }
      if (s >= 61 && s % 10 === 0) {
        const d = t.gw.areas.current('plein');
        if (!d || d.sensors.length !== 2) absent.push(s);
        else if (d.count === null) countless.push(s);
      }
    }
    // The steady sensor really was silent between heartbeats: first window + one per 300 s.
    expect(sensors[0]!.published).toBe(1 + Math.floor((3600 - 60) / 300));
    expect(absent).toEqual([]);
    expect(countless).toEqual([]);
    expect(t.gw.areas.current('plein')).toMatchObject({ count: 45, sensors: ['plein-oost', 'plein-west'] });
    const view = await fetchJson(`${t.base}/api/sensors/plein-oost`);
    expect(view.stale).toBe(false);
    const areas = await fetchJson(`${t.base}/api/areas`);
    expect(areas[0].density).toMatchObject({ count: 45 });
  });

  it('drops a member that misses its heartbeat by more than a window, and shows it as stale', async () => {
    const m = productionManifest('plein-oost');
    t = await startTestGateway([sensorInfoFromManifest(m)]);
    const start = Math.ceil(T0 / 60_000) * 60_000;
    t.clock.setWall(start + 60_000);
    const to = start / 1000 + 60;
    t.gw.ingest.handle(aggregateTopic(m.id), encodeAggregate({ v: 1, sensor: m.id, seq: 1, from: to - 60, to, level: 0, count: 10 }));
    t.clock.setWall((to + 360) * 1000);
    expect(t.gw.areas.current('plein')).not.toBeNull();
    t.clock.setWall((to + 361) * 1000);
    expect(t.gw.areas.current('plein')).toBeNull();
    expect((await fetchJson(`${t.base}/api/sensors/plein-oost`)).stale).toBe(true);
  });
});
