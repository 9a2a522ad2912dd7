/**
 * Words and numbers shown to people, in Dutch and English. The display script (static.ts) renders live updates
 * with the same labels, injected from here.
 */
import type { Aggregate, SensorState } from '../../shared/payloads.ts';
import type { RegisterStatus, SensorInfo } from '../register.ts';

/** What pages show as a sensor's state: the protocol's states, plus the register's verdicts (`suspended`: the gateway
 * stopped using its data, `retired`) and `unknown` before its first status. */
export type ShownState = SensorState | 'unknown' | 'retired' | 'suspended';

/**
 * Every status word the pages show, once, in Dutch and English: the sensor states, the register's lifecycle and the
 * operator's attention codes pick theirs from here, so one thing is never called two names.
 */
export const WORDS = {
  starting: { nl: 'start op', en: 'starting' },
  measuring: { nl: 'meet', en: 'measuring' },
  active: { nl: 'actief', en: 'active' },
  expiring: { nl: 'verloopt binnenkort', en: 'expiring soon' },
  expired: { nl: 'verlopen — wordt verwijderd', en: 'expired — to be removed' },
  expiredNotRemoved: { nl: 'verlopen, nog niet verwijderd', en: 'expired, not yet removed' },
  fault: { nl: 'storing', en: 'fault' },
  offline: { nl: 'offline', en: 'offline' },
  unknown: { nl: 'onbekend', en: 'unknown' },
  retired: { nl: 'buiten gebruik', en: 'retired' },
  suspended: { nl: 'geschorst — gegevens geweigerd', en: 'suspended — data refused' },
  suspendedShort: { nl: 'geschorst', en: 'suspended' },
  dataRefused: { nl: 'gegevens geweigerd', en: 'data refused' },
  noCurrentData: { nl: 'geen actuele meting', en: 'no current data' },
  messagesRefused: { nl: 'berichten geweigerd', en: 'messages refused' },
  fine: { nl: 'in orde', en: 'fine' },
} as const satisfies Record<string, { nl: string; en: string }>;

/** Sensor states in plain words. */
export const STATE_LABELS: Readonly<Record<ShownState, { nl: string; en: string }>> = {
  starting: WORDS.starting,
  registering: WORDS.measuring, // contract state 'registering' = registering (counting) people
  expiring: WORDS.expiring,
  expired: WORDS.expired,
  fault: WORDS.fault,
  offline: WORDS.offline,
  unknown: WORDS.unknown,
  retired: WORDS.retired,
  suspended: WORDS.suspended,
};

/** States the gateway decides (register, own clock): a status from the sensor never overrides them. */
export const GATEWAY_STATES: readonly ShownState[] = ['retired', 'expired', 'suspended'];

/** States in which the shown numbers may be out of date. */
export const DOWN_STATES: readonly ShownState[] = ['offline', 'fault', 'expired', 'retired', 'suspended'];

/** Where a sensor is in its lifecycle, as the register says it (index filter, register page). */
export const REGISTER_LABELS: Readonly<Record<RegisterStatus, { nl: string; en: string }>> = {
  active: WORDS.active, expiring: WORDS.expiring, expired: WORDS.expired, retired: WORDS.retired,
};

export function registerText(s: RegisterStatus): string {
  return `${REGISTER_LABELS[s].nl} / ${REGISTER_LABELS[s].en}`;
}

/** The words for a reading: one rule for every page and display (shared/display-content.ts). */
export { describeReading, type Reading } from '../../shared/display-content.ts';

/** Times are shown in the sensors' time zone, not the kiosk's (a kiosk's own zone is often left at UTC). */
export const DISPLAY_TIME_ZONE = 'Europe/Amsterdam';
const TIME = new Intl.DateTimeFormat('nl-NL', { timeZone: DISPLAY_TIME_ZONE, hour: '2-digit', minute: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat('nl-NL', { timeZone: DISPLAY_TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' });

/** Time of day in the Netherlands for Unix seconds, e.g. "14:05". */
export function formatTime(unixSeconds: number): string {
  return TIME.format(new Date(unixSeconds * 1000));
}

export function formatDateTime(unixSeconds: number): string {
  return DATE_TIME.format(new Date(unixSeconds * 1000));
}

/** What a page needs to know about one sensor. */
export interface SensorView {
  info: SensorInfo;
  latest: Aggregate | null;
  state: ShownState;
  /** Seconds since the gateway accepted the last aggregate, or null. */
  ageSeconds: number | null;
  /** No aggregate for longer than the sensor's heartbeat plus one window (shared/freshness.ts). */
  stale: boolean;
  register: RegisterStatus;
  /** Whole days left until the end of the expiry day (negative once expired). */
  daysLeft: number;
  /** Gateway times, ms. */
  registeredAt: number;
  lastSeen: number | null;
  retiredAt: number | null;
  retireReason: string | null;
  /** Set while the gateway refuses the sensor's data for breaking its registered rules (lifted by an admin). */
  suspension: { reason: string; at: number } | null;
  /** What the sensor itself reported in its last status, or null. */
  reported: { minimiser: string; bundle: string; firmware: string; radar?: { firmware: string; bluetooth: 'off' | 'on'; zoneFilter: 'inside' | 'off' } } | null;
  /** The latest alert about this sensor (refused publishes, identity mismatch), or null. */
  alert?: { reason: string; at: number } | null;
}

export function stateText(state: ShownState): string {
  const l = STATE_LABELS[state];
  return `${l.nl} / ${l.en}`;
}
