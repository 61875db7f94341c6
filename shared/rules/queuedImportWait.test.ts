import { QUIET_WAIT_MS, WORKER_SILENT_MS, whyStillQueued, type QueuedWaitFacts } from './queuedImportWait';

const facts = (overrides: Partial<QueuedWaitFacts>): QueuedWaitFacts => ({ queuedForMs: 60_000, workerLastSeenAgoMs: 1_000, queuePrefix: 'user-import', ...overrides });

describe('why an import is still queued', () => {
  test.each<[string, Partial<QueuedWaitFacts>, string | undefined]>([
    ['waiting its turn, a worker alive', {}, undefined],
    ['just queued, no worker yet (a worker may be starting)', { queuedForMs: QUIET_WAIT_MS - 1, workerLastSeenAgoMs: undefined }, undefined],
    ['no worker ever reported', { workerLastSeenAgoMs: undefined }, 'no_worker'],
    ['the last worker went silent', { workerLastSeenAgoMs: WORKER_SILENT_MS + 1 }, 'no_worker'],
    ['another deployment handed it back a moment ago', { handedBack: { times: 3, lastAgoMs: 500 } }, 'other_deployment'],
    ['another deployment handed it back long ago, a worker alive', { handedBack: { times: 1, lastAgoMs: 600_000 } }, undefined],
  ])('%s', (_, overrides, reason) => {
    expect(whyStillQueued(facts(overrides))?.reason).toBe(reason);
  });

  test('a hand-back names the prefix both deployments use and says to give each its own', () => {
    expect(whyStillQueued(facts({ handedBack: { times: 2, lastAgoMs: 100 }, workerLastSeenAgoMs: undefined }))?.message).toBe(
      'A worker of another deployment took this import 2 times and handed it back: that deployment uses the same Redis and QUEUE_PREFIX ("user-import") but another MongoDB. ' +
        'Give each deployment its own QUEUE_PREFIX. No worker of this deployment is running either: start one (npm run start:worker) with the same MONGO_URL, REDIS_URL and QUEUE_PREFIX as this API.',
    );
  });

  test('no worker says what to start, with what', () => {
    expect(whyStillQueued(facts({ workerLastSeenAgoMs: 180_000 }))?.message).toBe(
      'No worker of this deployment is running (the last one reported 3 min ago): start one (npm run start:worker) with the same MONGO_URL, REDIS_URL and QUEUE_PREFIX as this API.',
    );
  });
});
