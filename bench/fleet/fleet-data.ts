/** What the fleet benchmark's sensors are: ids, their register entries, their secret and their aggregates. */
import { encodeSensorPayload } from '../../shared/codec.ts';
import type { SensorInfo } from '../../gateway/register.ts';

/** A machine secret of the shape generateSecret() makes (43 base64url characters, 256 bits). */
export const BENCH_PASSWORD = 'bEnchfLeetSecret0123456789abcdefghijklmnopq';
export const benchSensorId = (i: number): string => `bench-${String(i).padStart(5, '0')}`;

/** 40 m², k 5, granularity 5: 15 people is level B (1), so every aggregate passes the registered rules. */
export function benchSensor(id: string, areaId?: string): SensorInfo {
  return {
    id, ...(areaId ? { areaId } : {}), driver: 'ld2450', owner: { name: 'Bench', organisation: 'Bench', email: 'bench@example.org' },
    purpose: 'benchmark of the gateway', legalGround: 'n/a (benchmark)', dpiaRef: 'n/a', location: { lat: 52, lon: 4, description: 'loopback' },
    area: { m2: 40 }, expiresAt: '2099-01-01', registerUrl: `http://localhost/sensors/${id}`, kFloor: 5, windowSeconds: 60, granularity: 5, output: 'level+count',
  } as SensorInfo;
}

/** The first window's start (Unix seconds, on the minute grid, 60 days ago): room for 86,400 windows per sensor. */
export const BENCH_T0 = Math.floor(Date.now() / 60_000) * 60 - 60 * 86_400;

/** Window k of a sensor: consecutive 60 s windows on the grid, from `t0` (Unix seconds, in the past). */
export function benchAggregate(id: string, t0: number, k: number): Buffer {
  const from = t0 + 60 * k;
  return encodeSensorPayload('aggregate', { v: 1, sensor: id, seq: k + 1, from, to: from + 60, level: 1, count: 15 });
}

/** Source address of sensor i: one loopback address (127/8) per sensor, for up to 62,500 sensors. */
export function sourceAddress(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}
