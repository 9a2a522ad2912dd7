/**
 * The three egress guards, each tested on its own:
 *   (a) compile time — the publisher's types accept only Aggregate | Status (checked by tsc: the @ts-expect-error
 *       lines below fail the typecheck test if the types ever accept more);
 *   (b) run time — the encoder's allow-list, through the real Egress against a real broker;
 *   (c) the gateway's broker policy — tests/gateway/policy.test.ts and gateway.test.ts (refusal before any side effect).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, memorySink } from '../../shared/log.ts';
import type { Level } from '../../shared/density.ts';
import type { Status } from '../../shared/payloads.ts';
import { Egress, buildAggregate } from '../../firmware/egress/egress.ts';
import { PersistentQueue } from '../../firmware/egress/queue.ts';
import { MemorySeqStore } from '../../firmware/egress/seq-store.ts';
import { startBareBroker, type BareBroker } from '../../simulator/bare-broker.ts';

const status: Status = { v: 1, sensor: 'guard-test', state: 'registering', expiresAt: '2027-06-30', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_767_225_600 };
const window = { from: 1_767_225_600, to: 1_767_225_610, level: 2 as Level, count: 5 };

describe('egress guards', () => {
  let broker: BareBroker;
  let egress: Egress;
  let watcher: mqtt.MqttClient;
  const seen: { topic: string; bytes: Buffer }[] = [];
  const sink = memorySink();

  beforeAll(async () => {
    broker = await startBareBroker();
    watcher = await mqtt.connectAsync(broker.url);
    await watcher.subscribeAsync('#', { qos: 1 });
    watcher.on('message', (topic, bytes) => seen.push({ topic, bytes: Buffer.from(bytes) }));
    egress = new Egress({
      sensorId: 'guard-test', brokerUrl: broker.url, willStatus: status, seq: new MemorySeqStore(),
      queue: new PersistentQueue(mkdtempSync(join(tmpdir(), 'drukte-guard-'))), logger: createLogger('guard', { destination: sink.stream }),
    });
    egress.start();
    for (let i = 0; i < 200 && !egress.connected; i++) await new Promise((r) => setTimeout(r, 10));
  });
  afterAll(async () => {
    await egress.stop();
    await watcher.endAsync();
    await broker.close();
  });

  it('(a) the types admit only contract payloads', () => {
    const typeChecks = () => {
      // @ts-expect-error — a Status with an extra key does not compile
      egress.publishStatus({ ...status, position: [1, 2] });
      // @ts-expect-error — a window result with targets does not compile
      buildAggregate('guard-test', 1, { ...window, targets: 3 });
      // @ts-expect-error — there is no generic publish: `send` is private
      egress.send('positions', {});
    };
    expect(typeof typeChecks).toBe('function'); // compiled, not run: the guard is the typecheck
  });

  it('(b) a contract aggregate goes out; anything off-contract is refused at run time and never reaches the broker', async () => {
    expect(egress.publishAggregate(window)).toMatchObject({ seq: 1, level: 2, count: 5 });
    await expect.poll(() => seen.filter((m) => m.topic.endsWith('/aggregate')).length).toBe(1);

    // Values a buggy caller could smuggle past the types with a cast:
    expect(egress.publishAggregate({ ...window, level: 9 as Level })).toBeNull();
    expect(egress.publishAggregate({ ...window, count: 2.5 })).toBeNull();
    egress.publishStatus({ ...status, state: 'tracking' as Status['state'] });
    egress.publishStatus({ ...status, targets: [1] } as Status);

    expect(egress.stats.refused).toBe(4);
    expect(sink.text()).toMatch(/refused by the egress allow-list/);
    // Extra keys on a window result never travel: the aggregate is assembled from the contract keys only.
    expect(egress.publishAggregate({ ...window, extra: 'x' } as typeof window)).toEqual({ v: 1, sensor: 'guard-test', seq: 2, ...window });
    await expect.poll(() => seen.filter((m) => m.topic.endsWith('/aggregate')).length).toBe(2);
    // Only the good aggregates (and good statuses) were ever published.
    for (const m of seen) expect(m.bytes.includes(Buffer.from('extra'))).toBe(false);
    for (const m of seen) expect(m.bytes.includes(Buffer.from('tracking'))).toBe(false);
  });
});
