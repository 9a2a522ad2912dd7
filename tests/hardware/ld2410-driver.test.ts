/**
 * The LD2410 configuration driver (hardware/ld2410/driver.ts) against a simulated module (simulator/ld2410-device.ts,
 * checked here against the real Tasmota ACK captures), over the fake serial binding. Timeouts run on ManualTimers.
 */
import { describe, expect, it } from 'vitest';
import { configureLd2410, Ld2410ConfigError, type Ld2410Info } from '../../hardware/ld2410/driver.ts';
import { RadarConfigError } from '../../hardware/radar-config.ts';
import { encodeLd2410Report } from '../../simulator/encoders/ld2410.ts';
import { FakeLd2410, type FakeLd2410Options } from '../../simulator/ld2410-device.ts';
import { loadHex } from '../helpers/hex.ts';
import { drive } from '../helpers/drive.ts';
import { radarRig } from '../helpers/radar-rig.ts';

const FIXTURE = 'ld2410_real_acks_tasmota_serialbridge.hex';

const rig = (options: FakeLd2410Options = {}) => radarRig((send) => new FakeLd2410(send, options));


const commands = (m: FakeLd2410): number[] => m.received.map((c) => c.command);
const hexes = (frames: Buffer[]): string => Buffer.concat(frames).toString('hex');

describe('the simulated LD2410 answers like the real unit (Tasmota capture)', () => {
  it('replays ld2410_real_acks_tasmota_serialbridge.hex byte for byte', () => {
    const session = loadHex(FIXTURE);
    let out: Buffer[] = [];
    const module = new FakeLd2410((b) => out.push(b));
    const answers: string[] = [];
    const expected: string[] = [];
    session.forEach((e, i) => {
      if (e.dir !== 'tx') return;
      out = [];
      module.receive(e.bytes);
      answers.push(hexes(out));
      const next = session[i + 1];
      expected.push(next?.dir === 'rx' ? next.bytes.toString('hex') : '');
    });
    expect(answers).toEqual(expected);
    expect(answers.filter(Boolean)).toHaveLength(3); // enable, read parameters, firmware
  });
});

describe('LD2410 configuration', () => {
  it('Bluetooth on: firmware, read MAC, Bluetooth off + restart; the real command bytes', async () => {
    const { module, port, timers, fromHost } = await rig();
    const info = await drive(configureLd2410(port, { timers }), timers);
    expect(info).toEqual({
      model: 'HLK-LD2410', firmware: 'V1.07.22091516', bluetooth: 'switched-off', restarted: true, zoneFilter: { type: 'off' },
    } satisfies Ld2410Info);
    expect(info.firmware).toMatch(/^[0-9A-Za-z.+-]{1,32}$/); // fits the Status `radar.firmware` rule
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x00a5, 0x00a4, 0x00a3]);
    // Enable and Read firmware are byte for byte what the real session sent; then MAC (value 0001), BT off (0000), restart.
    const tx = loadHex(FIXTURE).filter((e) => e.dir === 'tx').map((e) => e.bytes.toString('hex'));
    expect(hexes(fromHost)).toBe(tx[0]! + tx[2]! + 'fdfcfbfa0400a500010004030201' + 'fdfcfbfa0400a400000004030201' + 'fdfcfbfa0200a30004030201');
    expect(module.bluetooth).toBe(false);
    expect(module.restarts).toBe(1);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('Bluetooth already off (MAC 08 05 04 03 02 01): no Bluetooth command, no restart, End configuration', async () => {
    const { module, port, timers } = await rig({ bluetooth: false });
    const info = await drive(configureLd2410(port, { timers }), timers);
    expect(info).toMatchObject({ bluetooth: 'off', restarted: false, zoneFilter: { type: 'off' } });
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x00a5, 0x00fe]);
    expect(module.restarts).toBe(0);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('MAC cannot be read: Bluetooth is switched off anyway', async () => {
    const { module, port, timers } = await rig({ bluetooth: false, refuse: [0x00a5] });
    const info = await drive(configureLd2410(port, { timers }), timers);
    expect(info).toMatchObject({ bluetooth: 'switched-off', restarted: true });
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x00a5, 0x00a5, 0x00a5, 0x00a4, 0x00a3]);
    await port.close();
  });

  it('a missing ACK is retried after the timeout', async () => {
    const { module, port, timers } = await rig({ dropAcks: { 0x00a4: 1 } });
    const info = await drive(configureLd2410(port, { timers, timeoutMs: 500 }), timers);
    expect(info.bluetooth).toBe('switched-off');
    expect(commands(module).filter((c) => c === 0x00a4)).toHaveLength(2);
    await port.close();
  });

  it('no ACK after 3 tries: a clear error, and the module is not left in configuration mode', async () => {
    const { module, port, timers } = await rig({ dropAcks: { 0x00a4: 3 } });
    const err = await drive(configureLd2410(port, { timers }), timers).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Ld2410ConfigError);
    expect(err).toBeInstanceOf(RadarConfigError);
    expect((err as Error).message).toBe("LD2410 did not acknowledge 'bluetooth off' after 3 tries: check TX/RX wiring and 256000 baud");
    expect(commands(module).slice(-1)).toEqual([0x00fe]);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('a failing ACK status is retried, then reported', async () => {
    const { module, port, timers } = await rig({ refuse: [0x00a0] });
    const err = await drive(configureLd2410(port, { timers }), timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe("LD2410 refused 'read firmware version' (ACK status 1) 3 times");
    expect(commands(module)).toEqual([0x00ff, 0x00a0, 0x00a0, 0x00a0, 0x00fe]);
    expect(module.configMode).toBe(false);
    await port.close();
  });

  it('a module that keeps streaming LD2410 reports and never answers: the host TX wire is the suspect', async () => {
    const { module, port, timers } = await rig({ deaf: true });
    timers.setInterval(() => module.report(encodeLd2410Report({ state: 1, movingDistanceCm: 120, movingEnergy: 60, detectionDistanceCm: 120 })), 100);
    const err = await drive(configureLd2410(port, { timers }), timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe("LD2410 did not acknowledge 'enable configuration' after 3 tries: check TX/RX wiring and 256000 baud; reports arrive, so check the wire from the host's TX to the module's RX");
    expect(commands(module)).toEqual([0x00ff, 0x00ff, 0x00ff]);
    await port.close();
  });

  it('the port vanishing during configuration ends it with a clear error', async () => {
    const { wire, port, timers } = await rig({ dropAcks: { 0x00a0: 1 } });
    const running = configureLd2410(port, { timers });
    await timers.advanceAsync(10);
    wire.unplug();
    const err = await drive(running, timers).catch((e: unknown) => e);
    expect((err as Error).message).toBe('serial device /dev/ttyAMA0 closed during LD2410 configuration');
  });
});
