/**
 * issue 10, "Done when": the corrupt-queue and corrupt-seq scenarios end with every aggregate delivered exactly once
 * and no person touching the sensor. Real gateway (aedes on port 0, SQLite history), the firmware's own storage and
 * egress, restarts on the same data directory.
 */
import { readFileSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, memorySink } from '../../shared/log.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { passwordOf, sensorInfo, startTestGateway, T0S, type TestGateway } from '../gateway/helpers.ts';
import { openSensorLink, until, windowK, type SensorLink } from './sensor-link.ts';

const file = (seq: number) => `${String(seq).padStart(10, '0')}.cbor`;

describe('corrupt sensor storage, end to end', () => {
  let t: TestGateway | undefined;
  const links: SensorLink[] = [];
  let sensor: RunningSensor | undefined;
  afterEach(async () => {
    await sensor?.stop();
    for (const l of links.splice(0)) await l.egress.stop();
    await t?.gw.stop();
    sensor = t = undefined;
  });

  it('corrupt queue: the truncated oldest entry is set aside and counted in the status; the rest arrive once, unattended', async () => {
    const ID = 'cq-s1';
    t = await startTestGateway([sensorInfo(ID)]);
    const dataDir = mkdtempSync(join(tmpdir(), 'drukte-cq-'));
    const offline = openSensorLink(dataDir, ID, t.mqttUrl, { start: false }); // the gateway is unreachable: all queued
    for (let k = 0; k < 5; k++) offline.egress.publishAggregate(windowK(T0S, k));
    const oldest = join(dataDir, 'queue', file(1));
    truncateSync(oldest, Math.floor(readFileSync(oldest).length / 2)); // a torn sector, a bad SD card

    const logs = memorySink();
    sensor = await startSensor({
      identity: { id: ID, expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) },
      driver: 'ld2450',
      settings: { areaM2: 2, zone: [[-1000, 0], [1000, 0], [1000, 3000], [-1000, 3000]], scheme: 'crowd-v1', windowSeconds: 60, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 60 } as never,
      broker: { url: t.mqttUrl, username: ID, password: passwordOf(ID) },
      dataDir,
    }, { source: new PassThrough(), clock: t.clock, logger: createLogger('s', { destination: logs.stream }), tickMs: null });
    await until(() => sensor!.egress.connected && sensor!.egress.queued === 0, 'the queue to drain');
    expect(t.gw.history.sensorHistory(ID, 0, T0S + 10).map((a) => a.seq)).toEqual([2, 3, 4, 5]);
    await until(() => t!.gw.ingest.latest(ID).status?.corrupt === 1, 'the status to report the corrupt entry');
    expect(logs.text()).toContain('corrupt queue entry set aside');
    expect(t.gw.ingest.stats().rejected).toEqual({}); // nothing refused, no connection closed over it
  });

  it('corrupt seq file: an error in the log, numbering continues above the queue, all 7 arrive once', async () => {
    const ID = 'cs-s1';
    t = await startTestGateway([sensorInfo(ID)]);
    const dataDir = mkdtempSync(join(tmpdir(), 'drukte-cs-'));
    const first = openSensorLink(dataDir, ID, t.mqttUrl);
    links.push(first);
    await until(() => first.egress.connected, 'the first run to connect');
    for (let k = 0; k < 3; k++) first.egress.publishAggregate(windowK(T0S, k));
    await until(() => first.egress.queued === 0, 'the first three to be acknowledged');
    await first.egress.stop();
    const offline = openSensorLink(dataDir, ID, t.mqttUrl, { start: false });
    for (let k = 3; k < 5; k++) offline.egress.publishAggregate(windowK(T0S, k)); // queued: seq 4, 5
    writeFileSync(join(dataDir, 'seq'), '\u0000\u0000garbage'); // the seq file is destroyed

    const again = openSensorLink(dataDir, ID, t.mqttUrl);
    links.push(again);
    expect(again.logs.text()).toContain('the seq file is corrupt');
    for (let k = 5; k < 7; k++) again.egress.publishAggregate(windowK(T0S, k)); // seq 6, 7: not 1, 2
    await until(() => again.egress.connected && again.egress.queued === 0, 'everything to be acknowledged');
    const history = t.gw.history.sensorHistory(ID, 0, T0S + 10);
    expect(history.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(history.map((a) => a.from)).size).toBe(7);
    expect(t.gw.ingest.stats().rejected).toEqual({});
  });

  it("the gateway cannot store (its disk is full): no PUBACK, the sensor keeps the aggregate and it arrives once later", async () => {
    const ID = 'gw-full-s1';
    t = await startTestGateway([sensorInfo(ID)]);
    const history = t.gw.history;
    const real = history.addAggregate.bind(history);
    let full = true;
    history.addAggregate = (a, at) => {
      if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return real(a, at);
    };
    const link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-gwfull-')), ID, t.mqttUrl);
    links.push(link);
    await until(() => link.egress.connected, 'the sensor to connect');
    link.egress.publishAggregate(windowK(T0S, 0));
    await until(() => link.egress.stats.connects >= 2, 'the refused publish to close the connection, and a reconnect');
    expect(link.egress.queued).toBe(1); // not acknowledged: still queued
    expect(t.logs.text()).toContain('message not stored: not acknowledged');
    full = false;
    await until(() => link.egress.queued === 0, 'the aggregate to be stored and acknowledged');
    expect(history.sensorHistory(ID, 0, T0S + 10).map((a) => a.seq)).toEqual([1]);
  });

  it('the transaction of a group commit fails: none of its aggregates is acknowledged, all arrive once later', async () => {
    const ID = 'gw-commit-s1';
    t = await startTestGateway([sensorInfo(ID)]);
    const db = t.gw.history.db;
    // The commit itself fails (as SQLITE_FULL would, at COMMIT or at an insert): the whole batch is rolled back.
    db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON aggregates BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-gwcommit-')), ID, t.mqttUrl);
    links.push(link);
    await until(() => link.egress.connected, 'the sensor to connect');
    for (let k = 0; k < 5; k++) link.egress.publishAggregate(windowK(T0S, k));
    await until(() => link.egress.stats.connects >= 2, 'the unacknowledged publishes to close the connection, and a reconnect');
    expect(link.egress.stats.acked).toBe(0);
    expect(t.gw.history.sensorHistory(ID, 0, T0S + 10)).toEqual([]);
    db.exec('DROP TRIGGER disk_full');
    await until(() => link.egress.queued === 0, 'the aggregates to be stored and acknowledged');
    // Not refused as duplicates of what ingest had taken before the failed commit: stored, each once.
    expect(t.gw.history.sensorHistory(ID, 0, T0S + 10).map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(t.gw.ingest.stats().rejected.duplicate ?? 0).toBe(0);
  });
});
