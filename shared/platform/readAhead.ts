/**
 * Keeps one `next()` of a generator in flight, so that it produces the next item (reads the
 * next chunk of a file, fetches the next batch of a cursor) while the consumer works on this
 * one. Closing it waits for that read, then closes the generator.
 */
export function readAhead<T>(source: AsyncGenerator<T>): AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> } {
  let pending: Promise<IteratorResult<T>> | undefined;
  return {
    next() {
      const current = pending ?? source.next();
      pending = current.then((result) => (result.done ? result : source.next()));
      // A read that fails after the consumer stopped must not become an unhandled rejection.
      pending.catch(() => undefined);
      return current;
    },
    async return() {
      await pending?.catch(() => undefined);
      return source.return(undefined);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
