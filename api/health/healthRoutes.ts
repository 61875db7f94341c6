import { Router } from 'express';
import { mongoIsReachable } from '../../shared/data/mongoConnection';
import { metricsRegistry } from '../../shared/platform/metrics';
import type { ApiRuntime } from '../../shared/process/runtime';

export function healthRoutes(runtime: ApiRuntime): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [mongo, redis] = await Promise.all([mongoIsReachable(), redisIsReachable(runtime)]);
    res.status(mongo && redis ? 200 : 503).json({ status: mongo && redis ? 'ready' : 'not_ready', checks: { mongo, redis } });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  return router;
}

async function redisIsReachable(runtime: ApiRuntime): Promise<boolean> {
  try {
    const answer = await Promise.race([
      runtime.redis.ping(),
      new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref()),
    ]);
    return answer === 'PONG';
  } catch {
    return false;
  }
}
