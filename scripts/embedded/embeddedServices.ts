import { createHash } from 'node:crypto';
import path from 'node:path';
import { resolveMongo, type EmbeddedMongo } from './embeddedMongo';
import { resolveRedis, type EmbeddedRedis } from './embeddedRedis';
import { startSmtpCapture, type CapturedMail } from './smtpCapture';

export interface EmbeddedServices {
  mongo: EmbeddedMongo;
  redis: EmbeddedRedis;
  smtpUrl: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm run dev` needs that the environment did not name: MongoDB, Redis and SMTP,
 * each resolved as README describes and announced in one line.
 */
export async function startEmbeddedServices(options: { log: (message: string) => void; onMail: (mail: CapturedMail) => void }): Promise<EmbeddedServices> {
  const { log } = options;
  const mongo = await resolveMongo({ log });
  const redis = await resolveRedis({ log }).catch(async (error) => {
    await mongo.stop();
    throw error;
  });
  let smtpUrl = process.env.SMTP_URL;
  let stopSmtp = async () => {};
  if (smtpUrl) {
    log('SMTP: using SMTP_URL');
  } else {
    const capture = await startSmtpCapture({ onMail: options.onMail });
    smtpUrl = capture.url;
    stopSmtp = capture.stop;
    log(`SMTP: in-process capture server at ${capture.url}; each mail's links are logged here`);
  }
  return {
    mongo,
    redis,
    smtpUrl,
    async stop() {
      await Promise.allSettled([stopSmtp(), redis.stop(), mongo.stop()]);
    },
  };
}

/**
 * The queue prefix of `npm run dev` when QUEUE_PREFIX is not set: `user-import-dev-<8 hex>` from
 * the checkout's path, so two checkouts on one machine never share the Redis's queues.
 */
export function devQueuePrefix(directory = process.cwd()): string {
  return `user-import-dev-${createHash('sha256').update(path.resolve(directory)).digest('hex').slice(0, 8)}`;
}
