/** Failed-login rate limits: token buckets on an injected clock, alone and in the real broker (no sleeping). */
import mqtt, { type IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { LoginLimiter, RateLimiter } from '../../gateway/rate-limit.ts';
import { passwordOf, sensorInfo, startTestGateway, T0, type TestGateway } from './helpers.ts';

describe('RateLimiter', () => {
  it('allows a burst of failures, then refills at its rate on the monotonic clock', () => {
    const clock = new ManualClock(T0);
    const r = new RateLimiter(clock, { capacity: 3, refillPerSecond: 0.5 });
    for (let i = 0; i < 3; i++) {
      expect(r.allows('k')).toBe(true);
      r.take('k');
    }
    expect(r.allows('k')).toBe(false);
    expect(r.allows('other')).toBe(true);
    clock.setWall(T0 + 3_600_000); // a wall-clock jump refills nothing
    expect(r.allows('k')).toBe(false);
    clock.advance(1_999);
    expect(r.allows('k')).toBe(false);
    clock.advance(1);
    expect(r.allows('k')).toBe(true);
  });

  it('keeps its memory bounded whatever keys it is fed', () => {
    const r = new RateLimiter(new ManualClock(T0), { capacity: 2, refillPerSecond: 1 }, 100);
    for (let i = 0; i < 1000; i++) r.take(`addr-${i}`);
    expect(r.size).toBeLessThanOrEqual(101);
  });

  it('LoginLimiter keys usernames only when they look like ids', () => {
    const clock = new ManualClock(T0);
    const l = new LoginLimiter(clock, { perAddress: { capacity: 100, refillPerSecond: 1 }, perUsername: { capacity: 1, refillPerSecond: 1 } });
    l.fail('10.0.0.1', 'dam-noord');
    expect(l.allows('10.0.0.2', 'dam-noord')).toBe(false); // per username, from any address
    l.fail('10.0.0.1', 'NOT AN ID');
    l.fail('10.0.0.1', 'NOT AN ID');
    expect(l.allows('10.0.0.3', 'NOT AN ID')).toBe(true);
  });
});

describe('rate-limited logins on the real broker', () => {
  let t: TestGateway;
  afterEach(() => t?.gw.stop());

  const code = (opts: IClientOptions) =>
    new Promise<number>((resolve) => {
      const c = mqtt.connect(t.mqttUrl, { reconnectPeriod: 0, ...opts });
      c.once('connect', () => c.endAsync(true).then(() => resolve(0)));
      c.once('error', (err: Error & { code?: number }) => {
        c.end(true);
        resolve(err.code ?? -1);
      });
    });
  const as = (id: string, password: string) => ({ clientId: `sensor-${id}`, username: id, password });

  it('per username: after the burst even the right password waits, until the bucket refills', async () => {
    const clock = new ManualClock(T0);
    t = await startTestGateway([sensorInfo('dam-noord')], { clock, loginLimits: { perUsername: { capacity: 3, refillPerSecond: 0.1 } } });
    for (let i = 0; i < 3; i++) expect(await code(as('dam-noord', `wrong-${i}`))).toBe(4);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(5);
    const refused = t.logs.lines().filter((l) => l.msg === 'connection refused').map((l) => l.reason);
    expect(refused).toEqual(['bad-credentials', 'bad-credentials', 'bad-credentials', 'rate-limited']);
    clock.advance(10_000);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    // Success takes no tokens: reconnecting with the right password is never limited.
    for (let i = 0; i < 5; i++) expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    expect(t.logs.text()).not.toContain('wrong-0');
  });

  it('per address: many usernames from one address run into the same bucket', async () => {
    const clock = new ManualClock(T0);
    t = await startTestGateway([sensorInfo('dam-noord')], { clock, loginLimits: { perAddress: { capacity: 4, refillPerSecond: 0.2 } } });
    for (const u of ['a-guess', 'b-guess', 'c-guess', 'd-guess']) expect(await code({ clientId: `sensor-${u}`, username: u, password: 'x' })).toBe(4);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(5);
    clock.advance(5_000);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    const health = (await (await fetch(`${t.base}/api/health`)).json()) as { broker: { connectionsRefused: Record<string, number> } };
    expect(health.broker.connectionsRefused).toEqual({ 'bad-credentials': 4, 'rate-limited': 1 });
  });
});
