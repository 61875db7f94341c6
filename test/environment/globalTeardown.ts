export default async function globalTeardown(): Promise<void> {
  const services = globalThis.embeddedTestServices;
  if (!services) return;
  await services.mongo.stop();
  await services.redis.stop();
}
