import { describe, expect, it } from 'vitest';
import { startInOrder, type Component } from '../../gateway/components.ts';

function recorder(fail?: { start?: string; stop?: string }) {
  const events: string[] = [];
  const make = (name: string): Component => ({
    name,
    start: async () => {
      events.push(`start ${name}`);
      if (fail?.start === name) throw new Error(`${name} cannot start`);
    },
    stop: () => {
      events.push(`stop ${name}`);
      if (fail?.stop === name) throw new Error(`${name} cannot stop`);
    },
  });
  return { events, components: ['store', 'broker', 'ingest', 'http'].map(make) };
}

describe('gateway components', () => {
  it('start in order and stop in reverse', async () => {
    const r = recorder();
    const stop = await startInOrder(r.components);
    await stop();
    expect(r.events).toEqual(['start store', 'start broker', 'start ingest', 'start http', 'stop http', 'stop ingest', 'stop broker', 'stop store']);
  });

  it('a failed start stops what had started (the failing one too), in reverse, and passes the error on', async () => {
    const r = recorder({ start: 'ingest' });
    await expect(startInOrder(r.components)).rejects.toThrow('ingest cannot start');
    expect(r.events).toEqual(['start store', 'start broker', 'start ingest', 'stop ingest', 'stop broker', 'stop store']);
  });

  it('an aborted start undoes itself and rejects with the abort reason', async () => {
    const r = recorder();
    const ac = new AbortController();
    r.components[1]!.start = () => {
      r.events.push('start broker');
      ac.abort(new Error('shutting down'));
    };
    await expect(startInOrder(r.components, { signal: ac.signal })).rejects.toThrow('shutting down');
    expect(r.events).toEqual(['start store', 'start broker', 'stop broker', 'stop store']);
  });

  it('one failing stop is reported and does not skip the others', async () => {
    const r = recorder({ stop: 'broker' });
    const failed: string[] = [];
    const stop = await startInOrder(r.components, { onStopError: (name, err) => failed.push(`${name}: ${(err as Error).message}`) });
    await stop();
    expect(r.events.slice(4)).toEqual(['stop http', 'stop ingest', 'stop broker', 'stop store']);
    expect(failed).toEqual(['broker: broker cannot stop']);
  });
});
