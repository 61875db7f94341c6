import os from 'node:os';

/**
 * argon2 hashes on libuv's thread pool, which has 4 threads unless told otherwise: too few for
 * an import that sets passwords on a machine with more cores, too many (memory: 19 MiB a hash)
 * on a smaller one. One thread per core, unless UV_THREADPOOL_SIZE says otherwise. Imported
 * first by worker/main.ts: libuv reads the variable when the pool first starts.
 */
process.env.UV_THREADPOOL_SIZE ??= String(os.availableParallelism());
