/**
 * A gateway with a day of history for the chart tests: dam-noord counts (busy), is silent for 4 hours (a gap), then
 * below its k floor for 6 hours, then counts again; dam-zuid counts steadily (heartbeat only); kiosk-level is a
 * level-only sensor; dam-oud is expired. Every window goes through ingest with the clock at its end, so the area
 * densities are published as they would be, and passes the registered rules (gateway/ingest/rules.ts): 60 s windows on the
 * minute grid, the level the count implies on the registered 12 m², null below k with level 0.
 */
import { levelFor } from '../../shared/density.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { encodeAggregate, encodeStatus, sensorInfo, startTestGateway, status, T0, T0S, type TestGateway } from './helpers.ts';

const H = 3600;
export const SEED = {
  nowS: T0S,
  busy: { from: T0S - 24 * H, to: T0S - 14 * H },
  gap: { from: T0S - 14 * H, to: T0S - 10 * H },
  belowK: { from: T0S - 10 * H, to: T0S - 4 * H },
  again: { from: T0S - 4 * H, to: T0S },
};

export async function seedChartGateway(): Promise<TestGateway> {
  const t = await startTestGateway([
    sensorInfo('dam-noord', { areaId: 'dam' }),
    sensorInfo('dam-zuid', { areaId: 'dam', location: { lat: 52.373, lon: 4.8925, description: 'Dam, south side' } }),
    sensorInfo('kiosk-level', { areaId: 'kiosk', output: 'level', driver: 'ld2410' }),
    sensorInfo('dam-oud', { areaId: 'dam', expiresAt: '2025-05-31' }),
  ]);
  const seqs = new Map<string, number>();
  const send = (id: string, to: number, level: number, count: number | null) => {
    const seq = (seqs.get(id) ?? 0) + 1;
    seqs.set(id, seq);
    t.clock.setWall(to * 1000);
    const r = t.gw.ingest.handle(aggregateTopic(id), encodeAggregate({ v: 1, sensor: id, seq, from: to - 60, to, level: level as 0, count }), { qos: 1 });
    if (!r.ok) throw new Error(`seed refused: ${r.reason}`);
  };
  /** A counting sensor's window: the level follows from the count on 12 m² (sensorInfo()'s area). */
  const counted = (id: string, to: number, count: number) => send(id, to, levelFor(count, 12), count);
  const events: Array<[number, () => void]> = [];
  const wave = (s: number) => Math.round(16 + 10 * Math.sin(s / 5000)); // 6 … 26 people
  // Window ends on the minute grid (SEED's bounds are whole hours), offset per sensor so their windows interleave.
  for (let s = SEED.busy.from + 60; s <= SEED.busy.to; s += 300) events.push([s, () => counted('dam-noord', s, Math.floor(wave(s) / 5) * 5)]);
  for (let s = SEED.belowK.from + 60; s <= SEED.belowK.to; s += 300) events.push([s, () => send('dam-noord', s, 0, null)]);
  for (let s = SEED.again.from + 60; s <= SEED.again.to; s += 120) events.push([s, () => counted('dam-noord', s, 10 + (Math.floor(s / 120) % 3) * 5)]);
  for (let s = SEED.busy.from + 120; s <= T0S; s += 300) events.push([s, () => counted('dam-zuid', s, 5)]);
  for (let s = SEED.busy.from + 120; s <= T0S; s += 600) events.push([s, () => send('kiosk-level', s, Math.floor(s / 3000) % 4, null)]);
  events.sort((a, b) => a[0] - b[0]);
  for (const [, fn] of events) fn();
  t.clock.setWall(T0);
  t.gw.ingest.handle(statusTopic('dam-noord'), encodeStatus(status('dam-noord', 'registering')));
  t.gw.ingest.handle(statusTopic('kiosk-level'), encodeStatus(status('kiosk-level', 'fault', { reason: 'radar not answering' })));
  return t;
}
