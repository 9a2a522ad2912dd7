/**
 * The sensor firmware's composition root: device bytes ─► pipeline (parser + minimiser) ─► egress (queue + MQTT).
 * Every IO boundary (byte source, clock, broker URL, data directory, logger) is passed in, so tests and the demo run
 * the same code as a device.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { unixSeconds, type Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { DriverName } from '../shared/manifest.ts';
import type { Aggregate, SensorState, Status } from '../shared/payloads.ts';
import { Egress, redactUrl } from './egress/egress.ts';
import { describeFsError } from './egress/atomic-file.ts';
import { PersistentQueue } from './egress/queue.ts';
import { FileSeqStore } from './egress/seq-store.ts';
import type { MinimiserSettings } from './minimiser/minimiser.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';

export interface SensorIdentity {
  id: string;
  expiresAt: string;
  firmware: string;
  /** sha256 of the minimiser sources. */
  minimiser: string;
  /** sha256 of the bundle (or of the source tree when run from source). */
  bundle: string;
}

export interface SensorConfig {
  identity: SensorIdentity;
  driver: DriverName;
  settings: MinimiserSettings;
  broker: { url: string; username?: string; password?: string };
  /** Where seq and the outbound queue live. */
  dataDir: string;
}

export interface SensorDeps {
  /** Raw device bytes (a serial port, a PTY, the simulator). */
  source: Readable;
  clock: Clock;
  logger: Logger;
  /** How often to check for a closed window, ms; null = never (tests call tick()). Default 1000. */
  tickMs?: number | null;
}

export interface RunningSensor {
  readonly state: SensorState;
  readonly egress: Egress;
  readonly pipeline: Pipeline;
  /** Close the window if it ended (tests drive this with a manual clock). */
  tick(): void;
  /** Resolves on each published aggregate (tests). */
  onAggregate(listener: (a: Aggregate) => void): void;
  stop(): Promise<void>;
}

export async function startSensor(config: SensorConfig, deps: SensorDeps): Promise<RunningSensor> {
  const { identity } = config;
  const { clock, logger, source } = deps;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  let state: SensorState = 'starting';
  let since = unixSeconds(clock.now());
  let reason: string | undefined;
  const status = (): Status => ({
    v: 1, sensor: identity.id, state, expiresAt: identity.expiresAt, firmware: identity.firmware,
    minimiser: identity.minimiser, bundle: identity.bundle, since, ...(reason ? { reason } : {}),
  });

  const queue = new PersistentQueue(join(config.dataDir, 'queue'), 10_000, (err) => logger.error(describeFsError(err, 'cannot write the outbound queue')));
  const egress = new Egress({
    sensorId: identity.id,
    brokerUrl: config.broker.url,
    username: config.broker.username,
    password: config.broker.password,
    willStatus: status(),
    seq: new FileSeqStore(join(config.dataDir, 'seq')),
    queue,
    logger,
  });

  const setState = (next: SensorState, why?: string) => {
    if (next === state && why === reason) return;
    state = next;
    reason = why;
    since = unixSeconds(clock.now());
    logger.info({ state, reason }, 'sensor state');
    egress.publishStatus(status());
  };

  const listeners: ((a: Aggregate) => void)[] = [];
  const pipeline = createPipeline(config.driver, config.settings, clock, {
    onFrame: () => {
      if (state === 'starting' || state === 'fault') setState('registering');
    },
    onResult: (result) => {
      const aggregate = egress.publishAggregate(result);
      if (!aggregate) return;
      logger.debug({ seq: aggregate.seq, level: aggregate.level, count: aggregate.count }, 'aggregate');
      for (const l of listeners) l(aggregate);
    },
    onNoise: (why) => setState('fault', why),
  });

  // Print the effective configuration once (no secrets).
  logger.info({
    driver: config.driver, expiresAt: identity.expiresAt, firmware: identity.firmware,
    minimiser: identity.minimiser.slice(0, 12), broker: redactUrl(config.broker.url), window: config.settings.windowSeconds,
    kFloor: config.settings.kFloor, granularity: config.settings.granularity, output: config.settings.output, areaM2: config.settings.areaM2,
  }, 'sensor starting');

  source.on('error', (err) => {
    pipeline.reset();
    setState('fault', `device error: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`);
  });
  source.on('end', () => {
    pipeline.reset();
    setState('fault', 'device closed the connection');
  });
  source.pipe(pipeline.input, { end: false });

  egress.start();
  egress.publishStatus(status());

  const tickMs = deps.tickMs === undefined ? 1000 : deps.tickMs;
  const timer = tickMs ? setInterval(() => pipeline.tick(), tickMs) : null;

  let stopped = false;
  return {
    get state() {
      return state;
    },
    egress,
    pipeline,
    tick: () => pipeline.tick(),
    onAggregate: (l) => void listeners.push(l),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      source.unpipe(pipeline.input);
      pipeline.reset();
      state = 'offline';
      since = unixSeconds(clock.now());
      reason = 'stopped';
      await egress.stop(status());
    },
  };
}
