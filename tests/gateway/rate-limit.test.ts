/** Failed-login rate limits: token buckets on an injected clock, alone and in the real broker (no sleeping). */
import mqtt, { type IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { LoginLimiter, RateLimiter } from '../../gateway/mqtt/rate-limit.ts';
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

  it('LoginLimiter: failures slow later attempts (hold), never refuse them; usernames keyed only when they look like ids', () => {
    const clock = new ManualClock(T0);
    const l = new LoginLimiter(clock, { perAddress: { capacity: 2, refillPerSecond: 1 }, perUsername: { capacity: 1, refillPerSecond: 1 }, holdMs: 500 });
    expect(l.fail('10.0.0.1', 'dam-noord')).toBe(0); // the first failure for the username: answered at once
    expect(l.fail('10.0.0.2', 'dam-noord')).toBe(500); // the username is throttled: the wrong guess is answered late
    expect(l.holdBeforeCheck('10.0.0.3')).toBe(0); // another address is not slowed by dam-noord's failures
    expect(l.fail('10.0.0.1', 'NOT AN ID')).toBe(0);
    expect(l.fail('10.0.0.1', 'NOT AN ID')).toBe(0); // not keyed per username
    expect(l.holdBeforeCheck('10.0.0.1')).toBe(500); // the address is throttled: held before its check
    clock.advance(1000);
    expect(l.holdBeforeCheck('10.0.0.1')).toBe(0);
    expect(l.held).toBe(2);
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

  it('per username: after the burst a right password still gets in at once; wrong ones are answered late', async () => {
    const clock = new ManualClock(T0);
    t = await startTestGateway([sensorInfo('dam-noord')], { clock, loginLimits: { perUsername: { capacity: 3, refillPerSecond: 0.1 }, holdMs: 20 } });
    for (let i = 0; i < 6; i++) expect(await code({ ...as('dam-noord', `wrong-${i}`), clientId: `x-${i}` })).toBe(4);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    const refused = t.logs.lines().filter((l) => String(l.msg).startsWith('connection refused')).map((l) => l.msg);
    expect(refused).toEqual([...Array(3).fill('connection refused'), ...Array(3).fill('connection refused (throttled)')]);
    for (let i = 0; i < 5; i++) expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    expect(t.logs.text()).not.toContain('wrong-0');
    const health = (await (await fetch(`${t.base}/api/health`)).json()) as { broker: { connectionsRefused: Record<string, number>; loginsHeld: number } };
    expect(health.broker.connectionsRefused).toEqual({ 'bad-credentials': 6 });
    expect(health.broker.loginsHeld).toBe(3);
  });

  it('per address: a throttled address is held, then a right password from it gets in (one hold later)', async () => {
    const clock = new ManualClock(T0);
    t = await startTestGateway([sensorInfo('dam-noord')], { clock, loginLimits: { perAddress: { capacity: 4, refillPerSecond: 0.2 }, holdMs: 20 } });
    for (const u of ['a-guess', 'b-guess', 'c-guess', 'd-guess', 'e-guess']) expect(await code({ clientId: `sensor-${u}`, username: u, password: 'x' })).toBe(4);
    expect(await code(as('dam-noord', passwordOf('dam-noord')))).toBe(0);
    const health = (await (await fetch(`${t.base}/api/health`)).json()) as { broker: { connectionsRefused: Record<string, number>; loginsHeld: number } };
    expect(health.broker.connectionsRefused).toEqual({ 'bad-credentials': 5 });
    expect(health.broker.loginsHeld).toBe(2); // the fifth guess and the sensor were held, neither refused unchecked
  });
});
