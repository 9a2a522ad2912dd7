/**
 * The writes of one group commit, as rows (gateway/store/group-commit.ts builds them; each store engine commits them
 * in one transaction: gateway/store/store.ts).
 */
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';

export interface WriteBatch {
  aggregates: Array<{ aggregate: Aggregate; receivedAt: number }>;
  statuses: Array<{ status: Status; receivedAt: number }>;
  areaDensities: Array<{ density: AreaDensity; publishedAt: number }>;
  /** Last accepted message per sensor (gateway time, ms). */
  lastSeen: Array<{ sensorId: string; at: number }>;
}

export const emptyBatch = (): WriteBatch => ({ aggregates: [], statuses: [], areaDensities: [], lastSeen: [] });

export interface BatchResult {
  /** Aggregates newly stored. */
  stored: number;
  /** Aggregates whose (sensor, window) was already stored: redeliveries, harmless. */
  duplicates: number;
  /** For each aggregate of the batch, in order: true when it was new. */
  fresh: boolean[];
}
