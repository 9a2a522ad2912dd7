/**
 * Area densities for the municipality's feeds: `drukte/v1/areas/{areaId}/density` (JSON, QoS 1, retained),
 * combining the latest aggregates of the area's sensors. The rule (also in docs/PROTOCOL.md):
 *
 *   members   every registered sensor with this areaId that is not retired and not expired (a suspended one
 *             is a member without a reading)
 *   fresh     a member's latest aggregate ended at most its heartbeat plus one window before now
 *             (shared/freshness.ts: a steady sensor only re-publishes once per heartbeat, 300 s by default)
 *   level     the highest level among fresh members (a crowd anywhere in the area is a crowd in the area)
 *   count     the sum of the fresh members' counts, but null if any member is not fresh or has count null
 *             (below its k floor, or level-only): a partial sum would look like a total, and summing around a
 *             hidden count must not let anyone work that count out
 *   from, to  the earliest `from` and the latest `to` of the fresh members
 *   sensors   the fresh members' ids, sorted
 *
 * A density is published when one of the area's sensors delivers an aggregate, and only when at least one
 * member is fresh; at most once per `minIntervalMs` (1 s) per area: aggregates arriving closer together are
 * combined in one density, published when the interval is over. Every published density is kept in the history
 * (GET /api/areas/{id}/history).
 *
 * Membership lives in memory: an index area → member ids, rebuilt only when the register changes (its revision),
 * never per aggregate; the members' latest values come from ingest's in-memory state.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Level } from '../../shared/density.ts';
import type { Logger } from '../../shared/log.ts';
import type { Aggregate, AreaDensity } from '../../shared/payloads.ts';
import { areaDensityTopic } from '../../shared/topics.ts';
import type { History } from '../store/history.ts';
import type { Ingest } from './ingest.ts';
import { freshForSeconds } from '../../shared/freshness.ts';
import { registerStatus, type SensorRegister } from '../register.ts';

export interface AreaMember {
  id: string;
  /** Seconds after its last window that the member's latest aggregate still counts (freshForSeconds). */
  freshSeconds: number;
  latest: Aggregate | null;
}

/** The rule above, as a pure function of the members and the time (Unix seconds). */
export function combineArea(areaId: string, members: readonly AreaMember[], nowS: number): AreaDensity | null {
  const fresh = members.filter((m) => m.latest !== null && nowS - m.latest.to <= m.freshSeconds).map((m) => m.latest!);
  if (fresh.length === 0) return null;
  const allKnown = fresh.length === members.length && fresh.every((a) => a.count !== null);
  return {
    v: 1,
    area: areaId,
    level: Math.max(...fresh.map((a) => a.level)) as Level,
    count: allKnown ? fresh.reduce((sum, a) => sum + a.count!, 0) : null,
    from: Math.min(...fresh.map((a) => a.from)),
    to: Math.max(...fresh.map((a) => a.to)),
    sensors: fresh.map((a) => a.sensor).sort(),
  };
}

export interface AreaFeedOptions {
  register: SensorRegister;
  ingest: Ingest;
  history: History;
  clock: Clock;
  logger: Logger;
  /** Publish on the broker (as the gateway itself). */
  publish(topic: string, payload: Buffer, opts: { qos: 1; retain: true }): Promise<void>;
  /** Least time between two densities of one area, ms (default 1,000). */
  minIntervalMs?: number;
  /** Run `fn` after `ms` (default: a real timer); returns its cancel function. */
  setTimer?(fn: () => void, ms: number): () => void;
}

const realTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
};

export class AreaFeed {
  private readonly log: Logger;
  private unsubscribe: (() => void) | null = null;
  /** area → member ids (sorted), and the register revision it was built from. */
  private index = new Map<string, string[]>();
  private indexRevision = -1;
  /** Per area: when its density was last computed (gateway ms), and a pending recompute. */
  private readonly lastRun = new Map<string, number>();
  private readonly pending = new Map<string, () => void>();

  constructor(private readonly opts: AreaFeedOptions) {
    this.log = opts.logger.child({ module: 'areas' });
  }

  private areaIndex(): Map<string, string[]> {
    const register = this.opts.register;
    if (this.indexRevision === register.revision) return this.index;
    const index = new Map<string, string[]>();
    for (const r of register.records()) {
      const areaId = r.info.areaId;
      if (!areaId) continue;
      const ids = index.get(areaId);
      if (ids) ids.push(r.info.id);
      else index.set(areaId, [r.info.id]);
    }
    this.index = index;
    this.indexRevision = register.revision;
    return index;
  }

  /** An aggregate of a member arrived: recompute now, or once the area's interval is over. */
  private touched(areaId: string): void {
    if (this.pending.has(areaId)) return; // already planned: it will read the latest values
    const min = this.opts.minIntervalMs ?? 1_000;
    const now = this.opts.clock.now();
    const last = this.lastRun.get(areaId);
    if (last === undefined || now - last >= min || now < last) {
      this.lastRun.set(areaId, now);
      return void this.update(areaId);
    }
    const cancel = (this.opts.setTimer ?? realTimer)(() => {
      this.pending.delete(areaId);
      this.lastRun.set(areaId, this.opts.clock.now());
      void this.update(areaId);
    }, min - (now - last));
    this.pending.set(areaId, cancel);
  }

  /** Re-publish the last known densities (retained messages do not survive a restart), then follow ingest. */
  async start(): Promise<void> {
    for (const d of this.opts.history.latestAreaDensities().values()) await this.send(d, false);
    this.areaIndex();
    this.unsubscribe = this.opts.ingest.onEvent((e) => {
      if (e.type !== 'aggregate') return;
      const areaId = this.opts.register.view(e.sensorId)?.info.areaId;
      if (areaId) this.touched(areaId);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  /** Area ids of the register, sorted. */
  areaIds(): string[] {
    return [...this.areaIndex().keys()].sort();
  }

  members(areaId: string): AreaMember[] {
    const now = this.opts.clock.now();
    const out: AreaMember[] = [];
    for (const id of this.areaIndex().get(areaId) ?? []) {
      const r = this.opts.register.view(id);
      if (!r) continue;
      const status = registerStatus(r, now);
      if (status !== 'active' && status !== 'expiring') continue;
      // A suspended sensor stays a member with no reading: the area's count becomes unknown rather than silently lower.
      out.push({ id, freshSeconds: freshForSeconds(r.info), latest: r.suspension ? null : this.opts.ingest.latest(id).aggregate });
    }
    return out;
  }

  /** The density of an area now (computed, not necessarily published). */
  current(areaId: string): AreaDensity | null {
    return combineArea(areaId, this.members(areaId), Math.floor(this.opts.clock.now() / 1000));
  }

  async update(areaId: string): Promise<void> {
    const density = this.current(areaId);
    if (density) await this.send(density, true);
  }

  private async send(d: AreaDensity, keep: boolean): Promise<void> {
    try {
      // Stored in the next group commit; published now (a density lost to a crash is recomputed from the aggregates).
      if (keep) this.opts.history.addAreaDensity(d, this.opts.clock.now()).catch((err: unknown) => this.log.error({ err: (err as Error).message, area: d.area }, 'area density not stored'));
      await this.opts.publish(areaDensityTopic(d.area), Buffer.from(JSON.stringify(d)), { qos: 1, retain: true });
    } catch (err) {
      this.log.error({ err: (err as Error).message, area: d.area }, 'area density not published');
    }
  }
}
