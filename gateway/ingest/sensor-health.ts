/**
 * Refused and rejected messages per sensor and reason, for the operator's overview (GET /health, /api/overview):
 * the broker policy reports publishes it refused from an authenticated sensor, ingest reports messages it rejected
 * on a sensor topic. Counts are kept in memory since the gateway started (the totals per reason are at
 * /api/health); only sensors in the register are counted, so a flood of made-up ids cannot grow this.
 *
 * Reasons are the closed sets of gateway/reasons.ts (short names, never payload bytes).
 */
import type { Clock } from '../../shared/clock.ts';

/** QoS 1 redeliveries: refused by design, nothing for a person to do. */
export const BENIGN_REASONS: readonly string[] = ['duplicate'];

export interface RefusalCount {
  reason: string;
  count: number;
  /** Gateway time of the last one, ms. */
  lastAt: number;
}

export class SensorHealth {
  private readonly refusals = new Map<string, Map<string, { count: number; lastAt: number }>>();

  constructor(private readonly clock: Clock, private readonly known: (sensorId: string) => boolean) {}

  /** Count one refused or rejected message of a registered sensor (others are ignored: see above). */
  refused(sensorId: string, reason: string): void {
    if (!this.known(sensorId)) return;
    let reasons = this.refusals.get(sensorId);
    if (!reasons) this.refusals.set(sensorId, (reasons = new Map()));
    const r = reasons.get(reason) ?? { count: 0, lastAt: 0 };
    r.count++;
    r.lastAt = this.clock.now();
    reasons.set(reason, r);
  }

  /** A sensor's refusals, most frequent first. */
  of(sensorId: string): RefusalCount[] {
    const reasons = this.refusals.get(sensorId);
    if (!reasons) return [];
    return [...reasons].map(([reason, r]) => ({ reason, ...r })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  }
}
