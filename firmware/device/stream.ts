/** A device that is a plain Readable of device bytes or frames (simulator, demo, tests): no reopening. */
import type { Readable } from 'node:stream';
import type { RawFrame } from '../../hardware/frame.ts';
import type { SensorDevice } from './reconnect.ts';

/** A plain Readable of device bytes (or frames): the simulator, the demo, tests. Its end or error is a fault. */
export function streamDevice(source: Readable, description = 'stream'): SensorDevice {
  let detach: (() => void) | null = null;
  return {
    description,
    start(sink) {
      const onData = (chunk: Buffer | RawFrame): void => sink.data(chunk);
      const onError = (err: NodeJS.ErrnoException): void => sink.fault(`device error: ${err.code ?? 'read failed'}`);
      const onEnd = (): void => sink.fault('device closed the connection');
      source.on('data', onData);
      source.on('error', onError);
      source.on('end', onEnd);
      detach = () => {
        source.off('data', onData);
        source.off('error', onError);
        source.off('end', onEnd);
        source.pause();
      };
      sink.up({ kind: 'stream', description });
    },
    async stop() {
      detach?.();
      detach = null;
    },
  };
}
