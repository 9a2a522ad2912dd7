/** What the pages and the public API show about a sensor: its register record joined with its latest data. */
import type { Clock } from '../../shared/clock.ts';
import { freshForSeconds } from '../../shared/freshness.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { SensorView, ShownState } from '../pages/format.ts';
import { expiryEndSeconds, registerStatus, type SensorRecord, type SensorRegister } from '../register.ts';

export class Views {
  constructor(private readonly register: SensorRegister, private readonly ingest: Ingest, private readonly clock: Clock) {}

  all(): SensorView[] {
    return this.register.records().map((r) => this.toView(r));
  }

  one(id: string): SensorView | null {
    const r = this.register.record(id);
    return r ? this.toView(r) : null;
  }

  private toView(r: SensorRecord): SensorView {
    const { info } = r;
    const s = this.ingest.latest(info.id);
    const now = this.clock.now();
    const register = registerStatus(r, now);
    const state: ShownState = register === 'retired' ? 'retired' : register === 'expired' ? 'expired' : r.suspension ? 'suspended' : (s.status?.state ?? 'unknown');
    const ageSeconds = s.aggregate && s.receivedAt !== null ? Math.max(0, Math.floor((now - s.receivedAt) / 1000)) : null;
    const stale = ageSeconds !== null && ageSeconds > freshForSeconds(info);
    return {
      info,
      latest: s.aggregate,
      state,
      ageSeconds,
      stale,
      register,
      daysLeft: Math.ceil((expiryEndSeconds(info) * 1000 - now) / 86_400_000),
      registeredAt: r.registeredAt,
      lastSeen: r.lastSeen,
      retiredAt: r.retiredAt,
      retireReason: r.retireReason,
      suspension: r.suspension ? { ...r.suspension } : null,
      reported: s.status ? { minimiser: s.status.minimiser, bundle: s.status.bundle, firmware: s.status.firmware, ...(s.status.radar ? { radar: { ...s.status.radar } } : {}) } : null,
      alert: this.ingest.alert(info.id),
    };
  }
}
