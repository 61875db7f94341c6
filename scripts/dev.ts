import { loadConfig, logFormatFrom } from '../shared/platform/config';
import { logger, setLogFormat } from '../shared/platform/logger';
import { runProcess } from '../shared/platform/processLifecycle';
import { startEmbeddedServices } from './embedded/embeddedServices';
import { startService } from './service';

const DEV_API_KEYS = 'admin:dev-admin-key,support:dev-support-key';

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
      const links = (mail.parsed.text ?? '').match(/https?:\/\/\S+/g) ?? [];
      logger.info({ to: mail.envelopeTo, subject: mail.parsed.subject, links }, 'mail captured');
    },
  });
  try {
    const config = loadConfig({
      ...process.env,
      LOG_FORMAT: logFormat,
      MONGO_URL: services.mongo.uri,
      REDIS_URL: services.redis.url,
      SMTP_URL: services.smtpUrl,
      API_KEYS: process.env.API_KEYS ?? DEV_API_KEYS,
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

function printBanner(url: string, ephemeralMongo: boolean, devKeys: boolean): void {
  const lines = [`User CSV import service running at ${url}`];
  if (devKeys) lines.push('API keys (development defaults): admin = dev-admin-key, support = dev-support-key');
  if (ephemeralMongo) lines.push('!!! MongoDB is embedded and in memory: ALL DATA IS LOST ON EXIT. Set MONGO_URL to keep it. !!!');
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const rule = '='.repeat(width);
  process.stdout.write(`\n${rule}\n${lines.map((line) => `  ${line}`).join('\n')}\n${rule}\n\n`);
}
