import { loadConfig, logFormatFrom } from '../shared/platform/config';
import { logger, setLogFormat } from '../shared/platform/logger';
import { runProcess } from '../shared/process/processLifecycle';
import { devQueuePrefix, startEmbeddedServices } from './embedded/embeddedServices';
import { startService } from './service';
import { connectRedis, discardQueues } from '../shared/queues/queues';

const DEV_API_KEYS = 'admin:dev-admin-key,support:dev-support-key';
/** Mails logged with their links; after these, only a count every 500. */
const MAILS_LOGGED = 20;
let captured = 0;

/**
 * `npm run dev`: API and worker in one process, on whatever MongoDB, Redis and SMTP the
 * environment names, else embedded ones. Ctrl-C stops all of it, including spawned servers.
 */
runProcess('dev', async () => {
  // Readable lines for the person at the terminal; LOG_FORMAT=json shows what production writes.
  const logFormat = logFormatFrom({ LOG_FORMAT: 'pretty', ...process.env });
  setLogFormat(logFormat);
  const services = await startEmbeddedServices({
    log: (message) => logger.info(message),
    onMail: (mail) => {
      // The first mails with their links (to try an invitation), then a count now and then: an
      // import of thousands must not bury the banner and everything else.
      captured += 1;
      if (captured <= MAILS_LOGGED) {
        const links = (mail.parsed.text ?? '').match(/https?:\/\/\S+/g) ?? [];
        logger.info({ to: mail.envelopeTo, subject: mail.parsed.subject, links }, 'mail captured');
      } else if (captured % 500 === 0) {
        logger.info(`${captured} mails captured (the first ${MAILS_LOGGED} are logged with their links)`);
      }
    },
  });
  try {
    // A prefix of this checkout's own: two checkouts on one machine (and one Redis) never share
    // queues. With an in-memory MongoDB the last run's data is gone, so are its queued jobs.
    const queuePrefix = process.env.QUEUE_PREFIX ?? devQueuePrefix();
    if (!process.env.QUEUE_PREFIX && services.mongo.ephemeral) await discardLastRunsJobs(services.redis.url, queuePrefix);
    logger.info(`Queues: prefix ${queuePrefix}${process.env.QUEUE_PREFIX ? ' (QUEUE_PREFIX)' : " (this checkout's own; QUEUE_PREFIX sets another)"}`);
    const config = loadConfig({
      ...process.env,
      LOG_FORMAT: logFormat,
      MONGO_URL: services.mongo.uri,
      REDIS_URL: services.redis.url,
      SMTP_URL: services.smtpUrl,
      API_KEYS: process.env.API_KEYS ?? DEV_API_KEYS,
      QUEUE_PREFIX: queuePrefix,
      // Development only: links signed with a fixed secret stay valid across restarts of `npm run dev`.
      INVITE_SECRET: process.env.INVITE_SECRET ?? 'dev-only-invitation-secret-not-for-production',
    });
    const service = await startService(config, { api: 'listen', workers: true, dbName: process.env.MONGO_URL ? undefined : 'user_directory_dev' });
    printBanner(config.publicUrl, services.mongo.ephemeral, !process.env.API_KEYS);
    return {
      async close() {
        await service.close();
        await services.stop();
      },
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
});

async function discardLastRunsJobs(redisUrl: string, prefix: string): Promise<void> {
  const redis = connectRedis(redisUrl);
  try {
    await discardQueues(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

function printBanner(url: string, ephemeralMongo: boolean, devKeys: boolean): void {
  const lines = [`User CSV import service running at ${url}`];
  if (devKeys) lines.push('API keys (development defaults): admin = dev-admin-key, support = dev-support-key');
  if (ephemeralMongo) lines.push('!!! MongoDB is embedded and in memory: ALL DATA IS LOST ON EXIT. Set MONGO_URL to keep it. !!!');
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const rule = '='.repeat(width);
  process.stdout.write(`\n${rule}\n${lines.map((line) => `  ${line}`).join('\n')}\n${rule}\n\n`);
}
