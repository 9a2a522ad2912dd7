/**
 * issue 10, must-haves 1 and 2: a refused CONNACK is never a reason to stop, and failed logins by someone else
 * cannot lock a sensor out. The lockout scenario: 40 s (gateway clock) of wrong passwords for the sensor's id from
 * the sensor's own address, the sensor kicked off in the middle of it and publishing throughout; afterwards every
 * aggregate is in the gateway's history exactly once and the sensor was never refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { hashSecret } from '../../gateway/credentials.ts';
import { classifyLinkError } from '../../firmware/egress/egress.ts';
import { passwordOf, sensorInfo, startTestGateway, T0, T0S, TEST_HASH, type TestGateway } from '../gateway/helpers.ts';
import { openSensorLink, until, windowK, type SensorLink } from './sensor-link.ts';

const ID = 'sa-s1';

const loginCode = (url: string, username: string, password: string, clientId: string) =>
  new Promise<number>((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, clientId, username, password });
    c.once('connect', () => c.endAsync(true).then(() => resolve(0)));
    c.once('error', (err: Error & { code?: number }) => {
      c.end(true);
      resolve(err.code ?? -1);
    });
  });

describe('a sensor is never locked out', () => {
  let t: TestGateway | undefined;
  let link: SensorLink | undefined;
  afterEach(async () => {
    await link?.egress.stop();
    await t?.gw.stop();
    link = t = undefined;
  });

  it('lockout scenario: 40 s of wrong passwords for its id from its own address, a kick mid-attack; all delivered once, never refused', async () => {
    const clock = new ManualClock(T0);
    t = await startTestGateway([sensorInfo(ID)], { clock, loginLimits: { holdMs: 20 } });
    link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-lockout-')), ID, t.mqttUrl);
    const { egress } = link;
    await until(() => egress.connected, 'the sensor to connect');
    let k = 0;
    for (; k < 3; k++) egress.publishAggregate(windowK(T0S, k));

    for (let second = 0; second < 40; second++) {
      clock.advance(1000);
      expect(await loginCode(t.mqttUrl, ID, `guess-${second}`, `attacker-${second}`)).toBe(4);
      if (second === 10) expect(t.gw.broker!.disconnect((id) => id === `sensor-${ID}`)).toBe(1); // a network blip mid-attack
      if (second % 5 === 0) egress.publishAggregate(windowK(T0S, k++));
    }
    // The attack has ended: the sensor must be back (it came back during the attack, one hold after each attempt).
    await until(() => egress.connected && egress.queued === 0, 'the sensor to deliver its queue');
    expect(egress.stats.connects).toBeGreaterThanOrEqual(2);
    expect(egress.stats.failedAttempts).toBe(0); // not a single refused CONNECT, though its address and id were throttled
    const seqs = t.gw.history.sensorHistory(ID, 0, T0S + 10).map((a) => a.seq);
    expect(seqs).toEqual(Array.from({ length: k }, (_, i) => i + 1)); // every aggregate exactly once
    const health = (await (await fetch(`${t.base}/api/health`)).json()) as { broker: { loginsHeld: number; connectionsRefused: Record<string, number> } };
    expect(health.broker.connectionsRefused).toEqual({ 'bad-credentials': 40 });
    expect(health.broker.loginsHeld).toBeGreaterThan(0);
    expect(t.logs.text()).not.toContain('guess-');
  });

  it('refused CONNACKs are not a reason to stop: the link says "refused, code 4" and the sensor gets in once its credential is installed', async () => {
    t = await startTestGateway([sensorInfo(ID)], { credentials: [] });
    link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-refused-')), ID, t.mqttUrl);
    const { egress } = link;
    egress.publishAggregate(windowK(T0S, 0));
    await until(() => egress.stats.failedAttempts >= 3, 'three refused attempts');
    expect(egress.link).toMatchObject({ state: 'refused', code: 4 });
    expect(egress.link.detail).toContain('code 4, bad username or password');
    expect(link.logs.text()).toContain('refused by the broker: code 4');
    t.gw.credentials.set(ID, 'sensor', await hashSecret(passwordOf(ID), TEST_HASH), T0);
    await until(() => egress.connected && egress.queued === 0, 'the sensor to get in and deliver');
    expect(egress.link).toMatchObject({ state: 'connected', failures: 0 });
    expect(t.gw.history.sensorHistory(ID, 0, T0S + 10).map((a) => a.seq)).toEqual([1]);
  });

  it('an unreachable broker: the link says so, and the delays grow with jitter up to the cap', async () => {
    link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-unreach-')), ID, 'mqtt://127.0.0.1:1', { start: false });
    const delays = Array.from({ length: 12 }, () => link!.egress.nextDelay());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    expect(new Set(delays).size).toBeGreaterThan(3); // jittered, not lock-step
    link.egress.start();
    await until(() => link!.egress.stats.failedAttempts >= 2, 'two failed attempts');
    expect(link.egress.link).toMatchObject({ state: 'unreachable' });
    expect(link.egress.link.detail).toContain('ECONNREFUSED');
  });
});

describe('what the link says', () => {
  it('classifies refusals (with the CONNACK code), TLS problems and unreachable brokers', () => {
    const e = (message: string, code?: unknown) => Object.assign(new Error(message), { code });
    expect(classifyLinkError(e('Connection refused: Not authorized', 5))).toMatchObject({ state: 'refused', code: 5 });
    expect(classifyLinkError(e('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'))).toMatchObject({ state: 'tls-error' });
    expect(classifyLinkError(e("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID')).detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(classifyLinkError(e('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toMatchObject({ state: 'unreachable', detail: 'broker unreachable: ECONNREFUSED' });
    expect(classifyLinkError(e('getaddrinfo ENOTFOUND gw.invalid', 'ENOTFOUND')).state).toBe('unreachable');
  });

  it('a gateway certificate the sensor does not trust: "TLS error", and it keeps trying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const t = await startTestGateway([sensorInfo(ID)], { mqtts: { host: '127.0.0.1', port: 0, certFile, keyFile } });
    const link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-tls-s-')), ID, `mqtts://127.0.0.1:${t.gw.mqttsPort}`);
    try {
      await until(() => link.egress.stats.failedAttempts >= 2, 'two failed attempts');
      expect(link.egress.link.state).toBe('tls-error');
      expect(link.logs.text()).toContain('TLS error');
    } finally {
      await link.egress.stop();
      await t.gw.stop();
    }
  });
});
