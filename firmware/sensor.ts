/**
 * The sensor firmware's composition root: device ─► pipeline (parser + minimiser) ─► egress (queue + MQTT).
 * Every IO boundary (device, clock, timers, broker URL, data directory, logger) is passed in, so tests and the demo
 * run the same code as a device. The device lifecycle (open, configure, fault, back-off, reopen) is device.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { unixSeconds, type Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { DriverName } from '../shared/manifest.ts';
import { MAX_REASON_LENGTH, type Aggregate, type RadarFacts, type SensorState, type Status } from '../shared/payloads.ts';
import { systemTimers, type Timers } from '../shared/timers.ts';
import { createDevice, streamDevice, type BackoffOptions, type DeviceInfo, type DeviceSpec, type SensorDevice } from './device/index.ts';
import { Egress, redactUrl } from './egress/egress.ts';
import { describeFsError, type FsLayer } from './egress/atomic-file.ts';
import { PersistentQueue } from './egress/queue.ts';
import { decodeSensorPayload } from '../shared/codec.ts';
import { FileSeqStore } from './egress/seq-store.ts';
import type { MinimiserSettings } from './minimiser/minimiser.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { EXPIRED_REASON, type SensorLifecycle } from './lifecycle/lifecycle.ts';

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
  /** `tls`: a client certificate from the gateway CA (then no password is needed on mqtts) and the CA to trust. */
  broker: { url: string; username?: string; password?: string; tls?: { cert?: Buffer; key?: Buffer; ca?: Buffer } };
  /** Where seq and the outbound queue live. */
  dataDir: string;
  /**
   * A device that sends no frame for this long is a fault (status `fault`, reason "no frames from the device …"),
   * back to registering when frames return. Seconds; default 3 windows.
   */
  silentAfterSeconds?: number;
}

/** Default for SensorConfig.silentAfterSeconds, in windows. */
export const SILENT_AFTER_WINDOWS = 3;

export interface SensorDeps {
  /** Raw device bytes from a stream (the simulator, the demo, tests). Give `source` or `device`. */
  source?: Readable;
  /**
   * The device: { kind: 'serial', path } (a tty; LD2450s and LD2410s are configured at each open), { kind: 'beam', beam }
   * (GPIO two-beam counter), or any SensorDevice (e.g. streamDevice(readable)). See device.ts.
   */
  device?: DeviceSpec | SensorDevice;
  clock: Clock;
  logger: Logger;
  /** Timers for the device's ACK timeouts, back-off and beam period (default: the real ones). */
  timers?: Timers;
  /** Reopen back-off after a device fault (default 1 s doubling to 60 s). */
  backoff?: BackoffOptions;
  /** How often to check for a closed window, ms; null = never (tests call tick()). Default 1000. */
  tickMs?: number | null;
  /**
   * The expiry lifecycle of a provisioned sensor (firmware/lifecycle/), checked at every tick. Expired at start: the
   * device is never opened and the sensor only announces `expired`. Expiring later: the device is stopped, the open
   * window dropped, and `expired` published (retained); `stop()` keeps announcing `expired`, never `offline`.
   */
  lifecycle?: SensorLifecycle;
  /** The egress' reconnect schedule: timers, jitter source, delays (defaults: real timers, Math.random, 1 s … 30 s). */
  egress?: { timers?: Timers; random?: () => number; reconnect?: { initialMs?: number; maxMs?: number } };
  /** The file-system layer of seq and queue (tests inject full disks and crashes). */
  fs?: FsLayer;
}

export interface RunningSensor {
  readonly state: SensorState;
  /** The status reason, if any (e.g. why the sensor is in fault). */
  readonly reason: string | undefined;
  /** Facts about the device once it was up (LD2450 firmware, Bluetooth, zone filter; beam pins), else null. */
  readonly device: DeviceInfo | null;
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
  const { clock, logger } = deps;
  const device = await resolveDevice(config, deps);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  let state: SensorState = 'starting';
  let since = unixSeconds(clock.now());
  let reason: string | undefined;
  const lifecycle = deps.lifecycle;
  /** Expired: no device bytes into the pipeline, no windows closed, ever again. */
  let halted = lifecycle?.check() === 'expired';
  if (halted) [state, reason] = ['expired', EXPIRED_REASON];
  let radarFacts: RadarFacts | null = null;
  const status = (): Status => ({
    v: 1, sensor: identity.id, state, expiresAt: identity.expiresAt, firmware: identity.firmware,
    minimiser: identity.minimiser, bundle: identity.bundle, since, ...(reason ? { reason } : {}), ...(radarFacts ? { radar: radarFacts } : {}),
    ...(queue.corrupt > 0 ? { corrupt: Math.min(queue.corrupt, 0xffff_ffff) } : {}),
  });

  const { queue, seq } = openSensorStorage(config.dataDir, identity.id, logger, deps.fs);
  const egress = new Egress({
    sensorId: identity.id,
    brokerUrl: config.broker.url,
    username: config.broker.username,
    password: config.broker.password,
    ...(config.broker.tls ? { tls: config.broker.tls } : {}),
    willStatus: status(),
    seq,
    queue,
    logger,
    ...(deps.egress?.timers ? { timers: deps.egress.timers } : {}),
    ...(deps.egress?.random ? { random: deps.egress.random } : {}),
    ...(deps.egress?.reconnect ? { reconnect: deps.egress.reconnect } : {}),
  });

  const setState = (next: SensorState, whyIn?: string, sinceS?: number) => {
    const why = whyIn === undefined ? undefined : statusReason(whyIn);
    if (next === state && why === reason) return;
    state = next;
    reason = why;
    since = sinceS ?? unixSeconds(clock.now());
    logger.info({ state, reason }, 'sensor state');
    egress.publishStatus(status());
  };

  // Scene faults (issue 9, item 7): a fault people in view can cause — a beam blocked by someone standing in the
  // doorway — would tell the second it began and which beam, finer than any aggregate. Such a fault and the recovery
  // from it are announced only at the next window boundary (`since` on the grid), with a generic reason; the detail
  // (which beam, when) stays in the local log.
  const W = config.settings.windowSeconds;
  let sceneFault = false;
  let pending: { state: SensorState; reason?: string; at: number } | null = null;
  const nextBoundary = () => (Math.floor(clock.now() / 1000 / W) + 1) * W;
  const announceDue = () => {
    if (!pending || clock.now() / 1000 < pending.at) return;
    const p = pending;
    pending = null;
    if (p.state !== 'fault') sceneFault = false;
    setState(p.state, p.reason, p.at);
  };
  const running = (): SensorState => (lifecycle?.phase === 'expiring' ? 'expiring' : 'registering');

  const listeners: ((a: Aggregate) => void)[] = [];
  // A silent device (no frames for silentMs) is a fault, not a sensor quietly registering nothing.
  const silentMs = 1000 * (config.silentAfterSeconds ?? SILENT_AFTER_WINDOWS * config.settings.windowSeconds);
  if (!(silentMs > 0)) throw new RangeError('silentAfterSeconds must be > 0');
  let lastFrameAt = clock.monotonic();
  const checkSilence = () => {
    if (state !== 'starting' && state !== 'registering' && state !== 'expiring') return;
    if (clock.monotonic() - lastFrameAt < silentMs) return;
    pipeline.reset();
    setState('fault', `no frames from the device for ${Math.round(silentMs / 1000)} s; check its power and wiring`);
  };
  const pipeline = createPipeline(config.driver, config.settings, clock, {
    onFrame: () => {
      lastFrameAt = clock.monotonic();
      if (sceneFault) {
        if (pending?.state === 'fault') {
          pending = null; // over before it was announced: nothing to announce
          sceneFault = false;
        } else if (state === 'fault' && !pending) pending = { state: running(), at: nextBoundary() };
        return;
      }
      if (state === 'starting' || state === 'fault') setState(running());
    },
    onResult: (result) => {
      const aggregate = egress.publishAggregate(result);
      if (!aggregate) return;
      logger.debug({ seq: aggregate.seq, level: aggregate.level, count: aggregate.count }, 'aggregate');
      for (const l of listeners) l(aggregate);
    },
    onNoise: (why) => {
      pipeline.reset(); // line noise is a gap in the data: nothing before it joins the window after it
      setState('fault', why);
    },
  });

  // Print the effective configuration once (no secrets).
  logger.info({
    driver: config.driver, expiresAt: identity.expiresAt, firmware: identity.firmware,
    minimiser: identity.minimiser.slice(0, 12), broker: redactUrl(config.broker.url), window: config.settings.windowSeconds,
    kFloor: config.settings.kFloor, granularity: config.settings.granularity, output: config.settings.output, areaM2: config.settings.areaM2,
  }, 'sensor starting');

  let deviceInfo: DeviceInfo | null = null;
  if (!halted) device.start({
    data: (chunk) => void (halted || pipeline.push(chunk)),
    up: (info) => {
      deviceInfo = info;
      lastFrameAt = clock.monotonic(); // silence is counted from the moment the device is (back) up
      if (info.radar) {
        // What configuring the radar found goes into the status: firmware, Bluetooth off, zone filter.
        radarFacts = { firmware: info.radar.firmware, bluetooth: 'off', zoneFilter: info.radar.zoneFilter.type === 'inside' ? 'inside' : 'off' };
        egress.publishStatus(status());
      }
      logger.info({ device: info.description, ...(info.radar ? { radar: { firmware: info.radar.firmware, bluetooth: info.radar.bluetooth, zoneFilter: info.radar.zoneFilter.type } } : {}) }, 'device ready');
    },
    fault: (why, cause) => {
      if (halted) return;
      pipeline.reset(); // a gap: nothing from before it is mixed into the next window
      if (cause === 'scene') {
        logger.warn({ reason: why }, 'scene fault (local log only; announced on the window grid without details)');
        sceneFault = true;
        if (state !== 'fault' || pending) pending = { state: 'fault', reason: SCENE_FAULT_REASON, at: nextBoundary() };
        return;
      }
      sceneFault = false;
      pending = null;
      setState('fault', why);
    },
  });

  egress.start();
  egress.publishStatus(status());

  const tick = () => {
    if (lifecycle?.check() === 'expired' || halted) return;
    pipeline.tick();
    checkSilence();
    announceDue();
  };
  const tickMs = deps.tickMs === undefined ? 1000 : deps.tickMs;
  const timers = deps.timers ?? systemTimers;
  const timer = tickMs && !halted ? timers.setInterval(tick, tickMs) : null;
  lifecycle?.onPhase(async (phase) => {
    if (phase === 'expiring' && state === 'registering') setState('expiring');
    if (phase !== 'expired' || halted) return;
    halted = true;
    timers.clearInterval(timer);
    await device.stop().catch(() => undefined); // the driver's stop: radar, port, GPIO
    pipeline.reset(); // drop every bit of in-memory raw state
    setState('expired', EXPIRED_REASON); // final, retained (re-sent on reconnect)
  });

  let stopped = false;
  return {
    get state() {
      return state;
    },
    get reason() {
      return reason;
    },
    get device() {
      return deviceInfo;
    },
    egress,
    pipeline,
    tick,
    onAggregate: (l) => void listeners.push(l),
    async stop() {
      if (stopped) return;
      stopped = true;
      timers.clearInterval(timer);
      await device.stop();
      pipeline.reset();
      if (state !== 'expired') [state, since, reason] = ['offline', unixSeconds(clock.now()), 'stopped'];
      await egress.stop(status());
    },
  };
}

async function resolveDevice(config: SensorConfig, deps: SensorDeps): Promise<SensorDevice> {
  if (deps.source && deps.device) throw new TypeError('startSensor: give either a source stream or a device, not both');
  if (deps.source) return streamDevice(deps.source);
  const d = deps.device;
  if (!d) throw new TypeError('startSensor: a device (or a source stream) is required');
  if (!('kind' in d)) return d;
  return createDevice(d, config.driver, config.settings.zone, {
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.timers ? { timers: deps.timers } : {}),
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
  });
}

/** The public reason of a scene fault: says that measuring stopped, not where or when within the window. */
export const SCENE_FAULT_REASON = 'measurement interrupted by something in view; details in the local log';

/**
 * The sensor's persisted outbound state, checked as it is read: a corrupt queue entry is set aside (it never blocks
 * the ones behind it), and the seq counter continues above the highest queued seq whatever the seq file says.
 */
export function openSensorStorage(dataDir: string, sensorId: string, logger: Logger, fs?: FsLayer): { queue: PersistentQueue; seq: FileSeqStore } {
  const queue = new PersistentQueue(join(dataDir, 'queue'), {
    maxEntries: 10_000,
    onDiskError: (err) => logger.error(describeFsError(err, 'cannot write the outbound queue')),
    validate: (seq, bytes) => validQueuedAggregate(sensorId, seq, bytes),
    onCorrupt: (file, problem) => logger.error({ file, problem }, 'corrupt queue entry set aside; the aggregate in it is lost, the queue continues'),
    ...(fs ? { fs } : {}),
  });
  const seq = new FileSeqStore(join(dataDir, 'seq'), (err) => logger.error(describeFsError(err, 'cannot persist the sequence number; publishing continues')), {
    floor: queue.highestSeq,
    onCorrupt: (problem) => logger.error({ problem, continueAfter: queue.highestSeq }, 'the seq file is corrupt; numbering continues after the highest queued aggregate'),
    ...(fs ? { fs } : {}),
  });
  return { queue, seq };
}

/** What is wrong with a persisted queue entry: it must be this sensor's aggregate with the seq of its file name. */
export function validQueuedAggregate(sensorId: string, seq: number, bytes: Buffer): string | null {
  const decoded = decodeSensorPayload('aggregate', bytes);
  if (!decoded.ok) return 'not a valid aggregate (truncated or garbage)';
  if (decoded.value.sensor !== sensorId) return 'aggregate of another sensor';
  if (decoded.value.seq !== seq) return 'seq differs from the file name';
  return null;
}

/**
 * A status reason the contract accepts (shared/payloads.ts: letters, digits, punctuation and spaces, ≤ 160
 * characters): device and OS messages may hold other characters (+, <, newlines), which become spaces.
 */
export function statusReason(text: string): string {
  const plain = text.replace(/[^\p{L}\p{N}\p{P}\p{Zs}]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
  return plain.length <= MAX_REASON_LENGTH ? plain : `${plain.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
