/**
 * Runs `round` every `everyMs` until the returned stop is called. A pending round never keeps
 * the process alive: when to stop is the process lifecycle's decision.
 */
export function startRounds(everyMs: number, round: () => void): () => void {
  const timer = setInterval(round, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
