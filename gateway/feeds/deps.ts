/**
 * What the open-data feeds (SensorThings API, NGSI-LD) read: the register, the history, the live state and the
 * areas. Nothing else: a feed cannot reach the broker, the credentials or the admin side.
 */
import type { Clock } from '../../shared/clock.ts';
import type { History } from '../store/history.ts';
import type { AreaFeed } from '../ingest/areas.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { SensorRegister } from '../register.ts';

export interface FeedDeps {
  register: SensorRegister;
  history: History;
  ingest: Ingest;
  areas: AreaFeed;
  clock: Clock;
}
