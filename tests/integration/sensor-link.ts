/**
 * A sensor's transport as the firmware builds it (firmware/sensor.ts: openSensorStorage + Egress), for the
 * resilience tests: real queue and seq files in a data directory, real mqtt.js, short real reconnect delays.
 */
import { createLogger, memorySink } from '../../shared/log.ts';
import type { Status } from '../../shared/payloads.ts';
import { Egress } from '../../firmware/egress/egress.ts';
import type { FsLayer } from '../../firmware/egress/atomic-file.ts';
import { openSensorStorage } from '../../firmware/sensor.ts';
import type { WindowResult } from '../../firmware/minimiser/minimiser.ts';
import { passwordOf } from '../gateway/helpers.ts';

export interface SensorLink {
  egress: Egress;
  logs: ReturnType<typeof memorySink>;
  storage: ReturnType<typeof openSensorStorage>;
}

export function sensorStatus(id: string, state: Status['state'] = 'registering'): Status {
  return { v: 1, sensor: id, state, expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_748_779_200 };
}

export function openSensorLink(dataDir: string, id: string, brokerUrl: string, opts: { password?: string; fs?: FsLayer; start?: boolean } = {}): SensorLink {
  const logs = memorySink();
  const logger = createLogger(`sensor-${id}`, { destination: logs.stream, level: 'debug' });
  const storage = openSensorStorage(dataDir, id, logger, opts.fs);
  const egress = new Egress({
    sensorId: id, brokerUrl, username: id, password: opts.password ?? passwordOf(id), willStatus: sensorStatus(id),
    seq: storage.seq, queue: storage.queue, logger, reconnect: { initialMs: 20, maxMs: 200 },
  });
  if (opts.start !== false) egress.start();
  return { egress, logs, storage };
}

/** Window k (60 s windows, an hour before `nowS`): distinct, aligned, never in the future. */
/** Window k of a steady stream an hour before `nowS` (on the 60 s grid when nowS is): 10 people, level D on 10–12 m². */
export const windowK = (nowS: number, k: number): WindowResult => ({ from: nowS - 3600 + 60 * k, to: nowS - 3600 + 60 * (k + 1), level: 3, count: 10 });

export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
