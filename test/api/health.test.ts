import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

describe('health, readiness and metrics', () => {
  test('When the process is up, then /healthz answers 200 without a key', async () => {
    const response = await service.anonymous().get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  test('When MongoDB and Redis answer, then /readyz is 200 and names both checks', async () => {
    const response = await service.anonymous().get('/readyz');
    expect(response.status).toBe(200);
    expect(response.body.checks).toEqual({ mongo: true, redis: true });
  });

  test('When Redis stops answering, then /readyz is 503 and says which dependency is down', async () => {
    service.runtime.redis.disconnect();
    try {
      const response = await service.anonymous().get('/readyz');
      expect(response.status).toBe(503);
      expect(response.body.checks).toEqual({ mongo: true, redis: false });
    } finally {
      await service.runtime.redis.connect();
    }
  });

  test('When Prometheus scrapes /metrics, then it gets the text format with request durations', async () => {
    await service.anonymous().get('/healthz');
    const response = await service.anonymous().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('http_request_duration_seconds');
    expect(response.text).toContain('process_resident_memory_bytes');
  });
});
