/**
 * The operator's overview (GET /health as a page, GET /api/overview as JSON): per sensor what a person at the
 * municipality must know to keep the network honest and working — last seen, state, refused messages and why,
 * alerts, fault and suspension reasons, days to expiry — sorted by what needs a person first.
 *
 * Public by design (principle III): it shows register facts, states and reason names, never a credential, an
 * address, a payload byte or anything the sensors did not publish.
 *
 * Priority, most urgent first (then fewest days left, then id):
 *   0  alert         the gateway refuses the sensor's data: identity mismatch, off-contract publishes
 *   1  suspended     suspended (its data is not used)
 *   2  fault         the sensor reports a fault
 *   3  silent        offline, or no current aggregate (not heard from for its heartbeat plus one window), or never seen
 *   4  expired       past its expiry date but not yet retired: to be removed
 *   5  expiring      at most 30 days left
 *   6  refusing      messages refused for other reasons (duplicates, QoS 1 redeliveries, do not count)
 *   9  ok
 * Retired sensors come last: nothing to do.
 */
import type { Ingest } from '../ingest/ingest.ts';
import { WORDS, type SensorView } from './format.ts';
import { BENIGN_REASONS, type RefusalCount, type SensorHealth } from '../ingest/sensor-health.ts';

export type AttentionCode = 'alert' | 'suspended' | 'fault' | 'silent' | 'expired' | 'expiring' | 'refusing' | 'ok' | 'retired';

export const ATTENTION_PRIORITY: Readonly<Record<AttentionCode, number>> = {
  alert: 0, suspended: 1, fault: 2, silent: 3, expired: 4, expiring: 5, refusing: 6, ok: 9, retired: 10,
};

/** The operator's words (WORDS in format.ts: one name for one thing across the pages). */
export const ATTENTION_LABELS: Readonly<Record<AttentionCode, { nl: string; en: string }>> = {
  alert: WORDS.dataRefused, suspended: WORDS.suspendedShort, fault: WORDS.fault, silent: WORDS.noCurrentData, expired: WORDS.expiredNotRemoved,
  expiring: WORDS.expiring, refusing: WORDS.messagesRefused, ok: WORDS.fine, retired: WORDS.retired,
};

export interface OverviewRow {
  id: string;
  areaId: string | null;
  /** What needs a person, most urgent first (['ok'] when nothing does). */
  attention: AttentionCode[];
  priority: number;
  state: string;
  register: SensorView['register'];
  /** ISO 8601 or null. */
  lastSeen: string | null;
  /** Seconds since the last accepted aggregate, or null. */
  ageSeconds: number | null;
  /** The latest aggregate is still current (shared/freshness.ts). */
  fresh: boolean;
  expiresAt: string;
  daysLeft: number;
  /** The sensor's own reason with its last status (e.g. a fault), or null. */
  reportedReason: string | null;
  alert: { reason: string; at: string } | null;
  suspension: { reason: string; at: string } | null;
  refused: Array<{ reason: string; count: number; lastAt: string }>;
  refusedTotal: number;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Suspension as issue 9's register reports it (state 'suspended' with {reason, at}), when present. */
type MaybeSuspended = SensorView & { suspension?: { reason: string; at: number | string } | null };

export function overviewRow(v: SensorView, reportedReason: string | null, refused: readonly RefusalCount[]): OverviewRow {
  const s = v as MaybeSuspended;
  const state = String(v.state);
  const suspension = s.suspension ? { reason: s.suspension.reason, at: typeof s.suspension.at === 'number' ? iso(s.suspension.at)! : s.suspension.at } : state === 'suspended' ? { reason: reportedReason ?? 'suspended', at: '' } : null;
  const fresh = v.latest !== null && !v.stale;
  const attention: AttentionCode[] = [];
  if (v.register === 'retired') attention.push('retired');
  else {
    if (v.alert) attention.push('alert');
    if (suspension) attention.push('suspended');
    if (state === 'fault') attention.push('fault');
    if (v.register !== 'expired' && (state === 'offline' || !fresh)) attention.push('silent');
    if (v.register === 'expired') attention.push('expired');
    if (v.register === 'expiring') attention.push('expiring');
    if (refused.some((r) => !BENIGN_REASONS.includes(r.reason))) attention.push('refusing');
    if (!attention.length) attention.push('ok');
  }
  attention.sort((a, b) => ATTENTION_PRIORITY[a] - ATTENTION_PRIORITY[b]);
  return {
    id: v.info.id,
    areaId: v.info.areaId ?? null,
    attention,
    priority: ATTENTION_PRIORITY[attention[0]!],
    state,
    register: v.register,
    lastSeen: iso(v.lastSeen),
    ageSeconds: v.ageSeconds,
    fresh,
    expiresAt: v.info.expiresAt,
    daysLeft: v.daysLeft,
    reportedReason,
    alert: v.alert ? { reason: v.alert.reason, at: iso(v.alert.at)! } : null,
    suspension,
    refused: refused.map((r) => ({ reason: r.reason, count: r.count, lastAt: iso(r.lastAt)! })),
    refusedTotal: refused.reduce((n, r) => n + r.count, 0),
  };
}

/** Most urgent first, then fewest days left, then id. */
export function sortOverview(rows: OverviewRow[]): OverviewRow[] {
  return rows.sort((a, b) => a.priority - b.priority || a.daysLeft - b.daysLeft || a.id.localeCompare(b.id));
}

export function overview(views: readonly SensorView[], ingest: Ingest, health: SensorHealth): OverviewRow[] {
  return sortOverview(views.map((v) => overviewRow(v, ingest.latest(v.info.id).status?.reason ?? null, health.of(v.info.id))));
}
