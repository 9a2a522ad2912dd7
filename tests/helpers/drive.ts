/** Advance manual timers until a promise that waits on them settles (device-configuration tests). */
import type { ManualTimers } from '../../shared/timers.ts';

export async function drive<T>(promise: Promise<T>, timers: ManualTimers, stepMs = 100, maxSteps = 200): Promise<T> {
  let settled = false;
  const done = promise.finally(() => void (settled = true));
  done.catch(() => undefined);
  for (let i = 0; i < maxSteps && !settled; i++) await timers.advanceAsync(stepMs);
  return done;
}
