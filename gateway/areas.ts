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
 * member is fresh. Every published density is kept in the history (GET /api/areas/{id}/history).
 */
import type { Clock } from '../shared/clock.ts';
import type { Level } from '../shared/density.ts';
import type { Logger } from '../shared/log.ts';
import type { Aggregate, AreaDensity } from '../shared/payloads.ts';
import { areaDensityTopic } from '../shared/topics.ts';
import type { History } from './history.ts';
import type { Ingest } from './ingest.ts';
import { freshForSeconds } from '../shared/freshness.ts';
import { registerStatus, type SensorRegister } from './register.ts';

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
}

export class AreaFeed {
  private readonly log: Logger;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: AreaFeedOptions) {
    this.log = opts.logger.child({ module: 'areas' });
  }

  /** Re-publish the last known densities (retained messages do not survive a restart), then follow ingest. */
  async start(): Promise<void> {
    for (const d of this.opts.history.latestAreaDensities().values()) await this.send(d, false);
    this.unsubscribe = this.opts.ingest.onEvent((e) => {
      if (e.type !== 'aggregate') return;
      const areaId = this.opts.register.get(e.sensorId)?.areaId;
      if (areaId) void this.update(areaId);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Area ids of the register, sorted. */
  areaIds(): string[] {
    return [...new Set(this.opts.register.list().flatMap((s) => (s.areaId ? [s.areaId] : [])))].sort();
  }

  members(areaId: string): AreaMember[] {
    const now = this.opts.clock.now();
    return this.opts.register
      .records()
      .filter((r) => r.info.areaId === areaId && (registerStatus(r, now) === 'active' || registerStatus(r, now) === 'expiring'))
      // A suspended sensor stays a member with no reading: the area's count becomes unknown rather than silently lower.
      .map((r) => ({ id: r.info.id, freshSeconds: freshForSeconds(r.info), latest: r.suspension ? null : this.opts.ingest.latest(r.info.id).aggregate }));
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
      if (keep) this.opts.history.addAreaDensity(d, this.opts.clock.now());
      await this.opts.publish(areaDensityTopic(d.area), Buffer.from(JSON.stringify(d)), { qos: 1, retain: true });
    } catch (err) {
      this.log.error({ err: (err as Error).message, area: d.area }, 'area density not published');
    }
  }
}
