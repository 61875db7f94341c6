import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * For loops that walk a whole file: async iteration over buffered stream data resolves in
 * microtasks, so without a real break a loop holds the event loop until its source runs dry
 * (seconds for a large file), and timers such as BullMQ's lock renewal or a health check
 * starve. Returns a function to call once per item: after `everyMs` of work it gives the event
 * loop one turn (a promise to await), otherwise returns undefined at the cost of a clock read.
 */
export function eventLoopBreaks(everyMs = 20): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    const now = performance.now();
    if (now - since < everyMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}
