/**
 * The LD2450 configuration driver (hardware/ld2450/driver.ts) against a simulated module that answers exactly like
 * the real one (simulator/ld2450-device.ts, checked here against the real V2.04 ACK session), over the fake serial
 * binding (the same port code as a real tty). Timeouts run on ManualTimers: no sleeping.
 */
import { describe, expect, it } from 'vitest';
import { configureLd2450, encodeZoneFilter, Ld2450ConfigError, zoneFilterRect, type Ld2450Info } from '../../hardware/ld2450/driver.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';
import { FakeLd2450, type FakeLd2450Options } from '../../simulator/ld2450-device.ts';
import { loadHex } from '../helpers/hex.ts';
import { drive } from '../helpers/drive.ts';
import { radarRig } from '../helpers/radar-rig.ts';

const ZONE = [[-800, 500], [800, 500], [800, 2000], [-800, 2000]] as const;

const rig = (options: FakeLd2450Options = {}) => radarRig((send) => new FakeLd2450(send, options));

/** Run a configuration to its end, moving the manual timers while it waits for ACKs. */

const commands = (m: FakeLd2450): number[] => m.received.map((c) => c.command);

describe('the simulated LD2450 answers like the real V2.04 unit', () => {
  it('replays ld2450_real_v204_ack_session.hex byte for byte (and stays silent where the real unit was)', () => {
    const session = loadHex('ld2450_real_v204_ack_session.hex');
    let out: Buffer[] = [];
    const module = new FakeLd2450((b) => out.push(b));
    const answers: string[] = [];
    const expected: string[] = [];
    session.forEach((e, i) => {
      if (e.dir !== 'tx') return;
      out = [];
      module.receive(e.bytes);
      answers.push(Buffer.concat(out).toString('hex'));
      const next = session[i + 1];
      expected.push(next?.dir === 'rx' ? next.bytes.toString('hex') : '');
    });
    expect(answers).toEqual(expected);
    expect(answers.filter(Boolean)).toHaveLength(3); // enable, firmware, end; nothing for 0xB2 and the updater probes
  });
});

describe('LD2450 configuration', () => {
  it('factory-fresh unit: firmware, multi-target, Bluetooth off + restart, zone filter; the real command bytes', async () => {
    const { module, port, timers, fromHost } = await rig();
    const info = await drive(configureLd2450(port, ZONE, { timers }), timers);
    expect(info).toEqual({
      model: 'HLK-LD2450', firmware: 'V2.04.23101915', tracking: 'multi', bluetooth: 'switched-off', restarted: true,
      zoneFilter: { type: 'inside', rectMm: [-800, 500, 800, 2000] },
    } satisfies Ld2450Info);
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x0090, 0x00a5, 0x00a4, 0x00c2, 0x00a3]);
    expect(module.bluetooth).toBe(false); // effective after the restart
    expect(module.restarts).toBe(1);
    expect(module.configMode).toBe(false);
    expect(module.streaming).toBe(true);
    // The first two commands are byte for byte what the real session sent.
    const tx = loadHex('ld2450_real_v204_ack_session.hex').filter((e) => e.dir === 'tx').map((e) => e.bytes.toString('hex'));
    expect(Buffer.concat(fromHost).toString('hex').startsWith(tx[0]! + tx[1]!)).toBe(true);
    // Zone: type 1, then plain int16 LE (−800 = 0xFCE0, not sign-magnitude), zones 2 and 3 empty.
    expect(module.zones.toString('hex')).toBe(`0100${'e0fc' + 'f401' + '2003' + 'd007'}${'00'.repeat(16)}`);
    await port.close();
  });

  it('Bluetooth already off (MAC 08 05 04 03 02 01): no Bluetooth command, no restart, End configuration', async () => {
    const { module, port, timers } = await rig({ bluetooth: false });
    const info = await drive(configureLd2450(port, null, { timers }), timers);
    expect(info).toMatchObject({ bluetooth: 'off', restarted: false, zoneFilter: { type: 'off' } });
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x0090, 0x00a5, 0x00c2, 0x00fe]);
    expect(module.zones.equals(Buffer.alloc(26))).toBe(true);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('a missing ACK is retried after the timeout', async () => {
    const { module, port, timers } = await rig({ dropAcks: { 0x00a4: 1 } });
    const info = await drive(configureLd2450(port, ZONE, { timers, timeoutMs: 500 }), timers);
    expect(info.bluetooth).toBe('switched-off');
    expect(commands(module).filter((c) => c === 0x00a4)).toHaveLength(2);
    await port.close();
  });

  it('no ACK after 3 tries: a clear error, and the module is not left in configuration mode', async () => {
    const { module, port, timers } = await rig({ dropAcks: { 0x00a4: 3 } });
    const err = await drive(configureLd2450(port, ZONE, { timers }), timers).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Ld2450ConfigError);
    expect((err as Error).message).toBe("LD2450 did not acknowledge 'bluetooth off' after 3 tries: check TX/RX wiring and 256000 baud");
    expect(commands(module).slice(-1)).toEqual([0x00fe]);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('a failing ACK status is retried, then reported', async () => {
    const { module, port, timers } = await rig({ refuse: [0x00c2] });
    const err = await drive(configureLd2450(port, ZONE, { timers }), timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe("LD2450 refused 'set zone filter' (ACK status 1) 3 times");
    expect(commands(module).filter((c) => c === 0x00c2)).toHaveLength(3);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('finds an ACK that follows the tail of an in-flight report frame', async () => {
    const { port, timers } = await rig({ reportTailBeforeAck: 13, bluetooth: false });
    const info = await drive(configureLd2450(port, ZONE, { timers }), timers);
    expect(info.firmware).toBe('V2.04.23101915');
    await port.close();
  });

  it('a module that keeps streaming and never answers: the error says the host TX wire is the suspect', async () => {
    const { module, port, timers } = await rig({ deaf: true });
    timers.setInterval(() => module.report(encodeLd2450Report([{ xMm: 300, yMm: 1000 }])), 100);
    const err = await drive(configureLd2450(port, ZONE, { timers }), timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe("LD2450 did not acknowledge 'enable configuration' after 3 tries: check TX/RX wiring and 256000 baud; reports arrive, so check the wire from the host's TX to the module's RX");
    expect(commands(module)).toEqual([0x00ff, 0x00ff, 0x00ff]); // nothing else sent once Enable failed
    await port.close();
  });

  it('the port vanishing during configuration ends it with a clear error', async () => {
    const { wire, port, timers } = await rig({ dropAcks: { 0x00a0: 1 } });
    const running = configureLd2450(port, ZONE, { timers });
    await timers.advanceAsync(10);
    wire.unplug();
    const err = await drive(running, timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe('serial device /dev/ttyAMA0 closed during LD2450 configuration');
  });
});

describe('zone filter value', () => {
  it('bounding rectangle of the polygon, outward to whole mm, clamped to int16', () => {
    expect(zoneFilterRect([[-800.4, 500.6], [799.2, 1999.9], [0, 700]])).toEqual([-801, 500, 800, 2000]);
    expect(zoneFilterRect([[-90_000, 0], [90_000, 40_000], [0, 1]])).toEqual([-32768, 0, 32767, 32767]);
  });

  it('matches the doc example zone (1000,1000)–(−1000,5000) as plain int16: E8 03 E8 03 18 FC 88 13', () => {
    expect(encodeZoneFilter([1000, 1000, -1000, 5000]).subarray(0, 10).toString('hex')).toBe('0100e803e80318fc8813');
    expect(encodeZoneFilter(null).equals(Buffer.alloc(26))).toBe(true);
  });
});
