/**
 * The running gateway is an ordered list of components. `startInOrder` starts them one after the other; the stop it
 * returns stops them in reverse. If one fails to start, or the start is aborted, everything that had started (the
 * failing one included: a stop must be safe after a partial start) is stopped again, in reverse, before the error
 * is passed on.
 */
export interface Component {
  /** For the log and for errors: "store", "mqtt", "ingest", "http", … */
  readonly name: string;
  start(): void | Promise<void>;
  /** Safe to call after a partial or failed start; called once. */
  stop(): void | Promise<void>;
}


function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('gateway start aborted');
}

/**
 * Start `components` in order; resolves to a stop function (reverse order, each stop awaited, errors of one stop
 * reported to `onStopError` without skipping the rest). The abort signal is checked before each component.
 */
export async function startInOrder(components: readonly Component[], o: { signal?: AbortSignal; onStopError?: (name: string, err: unknown) => void } = {}): Promise<() => Promise<void>> {
  const started: Component[] = [];
  const stopStarted = async () => {
    for (const c of started.reverse()) {
      try {
        await c.stop();
      } catch (err) {
        o.onStopError?.(c.name, err);
      }
    }
    started.length = 0;
  };
  try {
    for (const c of components) {
      if (o.signal?.aborted) throw abortReason(o.signal);
      started.push(c);
      await c.start();
    }
    if (o.signal?.aborted) throw abortReason(o.signal);
  } catch (err) {
    await stopStarted();
    throw o.signal?.aborted ? abortReason(o.signal) : err;
  }
  return stopStarted;
}
