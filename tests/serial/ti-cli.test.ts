/**
 * The TI people-counting radar's two UARTs, both real ttys (socat PTY pairs): at start the firmware sends the .cfg
 * lines over the CLI port and waits for each `Done`; the data port then streams frames into the pipeline; at stop
 * (shutdown or expiry) the firmware sends `sensorStop` before letting go of the radar.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { realSerialBinding, type SerialPortLike } from '../../hardware/bindings/serial.ts';
import { PROMPT } from '../../hardware/ti-people/cli-port.ts';
import { startSensor } from '../../firmware/sensor.ts';
import { openPtyPair, portWire, SimulatedRadar } from '../../simulator/pty.ts';
import { startBareBroker } from '../../simulator/bare-broker.ts';
import { FLAT_SETTINGS, IDENTITY } from './fixtures.ts';
import { HAVE_SOCAT, tempDir, until } from './helpers.ts';

const CFG = ['% people counting (excerpt)', 'sensorStop', 'flushCfg', 'dfeDataOutputMode 1', 'boundaryBox -4 4 0 8 -1 3', 'sensorStart'].join('\n');

/** The board's CLI as the demo firmware answers: echo, then Done, then the prompt. Records every line. */
function fakeTiCli(port: SerialPortLike): string[] {
  const received: string[] = [];
  let partial = '';
  port.on('data', (chunk) => {
    partial += chunk.toString('latin1');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      received.push(line);
      void port.write(Buffer.from(`${line}\nDone\n${PROMPT}`, 'latin1'));
    }
  });
  return received;
}

describe.skipIf(!HAVE_SOCAT)('TI people counting: CLI port', () => {
  it('configures the radar over its CLI tty at start and sends sensorStop at stop', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T12:00:00Z'));
    const tmp = tempDir('drukte-ti-cli-');
    const broker = await startBareBroker();
    const data = await openPtyPair(tmp.dir, ['radar-data', 'sensor-data']);
    const cli = await openPtyPair(tmp.dir, ['radar-cli', 'sensor-cli']);
    const boardData = await realSerialBinding.open(data.a, 921600);
    const boardCli = await realSerialBinding.open(cli.a, 115200);
    const lines = fakeTiCli(boardCli);
    const radar = new SimulatedRadar(portWire(boardData), { driver: 'ti-people', people: { people: () => [{ xMm: 0, yMm: 2000, vxMmS: 0, vyMmS: 0 }] }, clock, clean: true });
    const sensor = await startSensor({
      identity: IDENTITY, driver: 'ti-people', settings: FLAT_SETTINGS, broker: { url: broker.url }, dataDir: mkdtempSync(join(tmpdir(), 'drukte-ti-data-')),
    }, { device: { kind: 'serial', path: data.b, tiCli: { path: cli.b, cfg: CFG, lineTimeoutMs: 2000 } }, clock, logger: silentLogger(), tickMs: null });
    try {
      await until(() => sensor.device !== null, 'the radar configured');
      expect(lines).toEqual(['sensorStop', 'flushCfg', 'dfeDataOutputMode 1', 'boundaryBox -4 4 0 8 -1 3', 'sensorStart']);
      clock.advance(2000);
      radar.emitUntil(clock.now());
      await until(() => sensor.pipeline.frames >= 15, 'data-port frames');
      await sensor.stop();
      expect(lines.at(-1)).toBe('sensorStop');
    } finally {
      await sensor.stop();
      await boardData.close();
      await boardCli.close();
      await data.close();
      await cli.close();
      await broker.close();
      tmp.remove();
    }
  });
});
