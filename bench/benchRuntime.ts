import type { Express } from 'express';
import { startService } from '../scripts/service';
import { loadConfig } from '../shared/platform/config';
import { startEmbeddedServices } from '../scripts/embedded/embeddedServices';
import { startSmtpCapture, type SmtpCapture } from '../scripts/embedded/smtpCapture';

/** API app, workers and a capturing SMTP peer in this process, on embedded services. */
export async function startBenchRuntime(env: Record<string, string>): Promise<{ app: Express; adminKey: string; smtp: SmtpCapture; stop(): Promise<void> }> {
  const services = await startEmbeddedServices({ log: (line) => console.log(`# ${line}`), onMail: () => undefined });
  const smtp = await startSmtpCapture();
  const adminKey = 'bench-admin-key';
  const config = loadConfig({
    ...process.env,
    MONGO_URL: services.mongo.uri,
    REDIS_URL: services.redis.url,
    SMTP_URL: smtp.url,
    API_KEYS: `admin:${adminKey}`,
    INVITE_SECRET: 'bench-invitation-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${Date.now()}`,
    ...env,
  });
  const service = await startService(config, { api: 'app', workers: true, dbName: `bench_${Date.now()}` });
  return {
    app: service.app,
    adminKey,
    smtp,
    async stop() {
      await service.close();
      await smtp.stop();
      await services.stop();
    },
  };
}
