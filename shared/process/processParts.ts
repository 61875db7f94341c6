import type { BaseConfig } from '../platform/config';
import { logger } from '../platform/logger';
import { openRuntime, type Runtime, type RuntimeOptions } from './runtime';

/** A part of a process (the API, the queue workers), started on the process's connections. */
export interface ProcessPart {
  close(): Promise<void>;
}

export type StartPart<C extends BaseConfig, P extends ProcessPart = ProcessPart> = (runtime: Runtime<C>) => Promise<P>;

export interface RunningProcess<C extends BaseConfig, Parts extends ProcessPart[]> {
  runtime: Runtime<C>;
  parts: Parts;
  /**
   * Closes the parts in the reverse order of their start, then the connections: started as
   * workers then API, the API stops taking requests first (none queues an import any more), the
   * workers then hand running imports back at their next chunk boundary. `beforeDisconnect` runs
   * when nothing works any more and the connections are still open (tests drop their data there).
   * Calling it again waits for the first call.
   */
  close(beforeDisconnect?: (runtime: Runtime<C>) => Promise<void>): Promise<void>;
}

/**
 * Opens a process's connections and starts its parts in order. A part that fails to start closes
 * what was already open before the error reaches the caller. Each entry point names its own parts
 * (`api/main.ts` the API, `worker/main.ts` the workers), so neither loads the other's code.
 */
export async function startProcessParts<C extends BaseConfig, Parts extends ProcessPart[]>(
  config: C,
  options: RuntimeOptions,
  starters: { [K in keyof Parts]: StartPart<C, Parts[K]> },
): Promise<RunningProcess<C, Parts>> {
  const runtime = await openRuntime(config, options);
  const started: ProcessPart[] = [];
  let closing: Promise<void> | undefined;
  const close: RunningProcess<C, Parts>['close'] = (beforeDisconnect) =>
    (closing ??= (async () => {
      for (const part of [...started].reverse()) await part.close();
      await beforeDisconnect?.(runtime);
      await runtime.close();
    })());
  try {
    for (const start of starters as StartPart<C>[]) started.push(await start(runtime));
  } catch (error) {
    await close().catch((closeError) => logger.error({ err: closeError }, 'closing a process that failed to start'));
    throw error;
  }
  return { runtime, parts: started as Parts, close };
}
