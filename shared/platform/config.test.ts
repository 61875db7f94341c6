import { ConfigError, loadApiConfig, loadConfig, loadWorkerConfig, logFormatFrom } from './config';

const base = {
  MONGO_URL: 'mongodb://localhost:27017/users',
  REDIS_URL: 'redis://localhost:6379',
};
const apiOnly = { API_KEYS: 'admin:s3cret-admin,support:0ther-support' };
const workerOnly = {
  SMTP_URL: 'smtp://localhost:1025',
  INVITE_SECRET: 'a-test-secret-of-at-least-32-characters',
};
const valid = { ...base, ...apiOnly, ...workerOnly };

describe('configuration from the environment', () => {
  test('a complete environment gives typed settings with the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.importChunkSize).toBe(1000);
    expect(config.maxUploadBytes).toBe(200 * 1024 * 1024);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.apiKeys.get('s3cret-admin')).toBe('admin');
    expect(config.apiKeys.get('0ther-support')).toBe('support');
  });

  test.each([
    ['MONGO_URL', { MONGO_URL: undefined }],
    ['MONGO_URL', { MONGO_URL: 'postgres://x' }],
    ['REDIS_URL', { REDIS_URL: undefined }],
    ['SMTP_URL', { SMTP_URL: 'http://mail' }],
    ['API_KEYS', { API_KEYS: undefined }],
    ['API_KEYS', { API_KEYS: 'owner:abcdefghij' }],
    ['API_KEYS', { API_KEYS: 'admin:short' }],
    ['PORT', { PORT: 'eighty' }],
    ['IMPORT_CHUNK_SIZE', { IMPORT_CHUNK_SIZE: '0' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'fancy' }],
    ['INVITE_SECRET', { INVITE_SECRET: undefined }],
    ['INVITE_SECRET', { INVITE_SECRET: 'too-short' }],
    ['IMPORT_DB_RETRY_SECONDS', { IMPORT_DB_RETRY_SECONDS: '-5' }],
    ['UPLOAD_RETENTION_DAYS', { UPLOAD_RETENTION_DAYS: 'forever' }],
    ['CHANGE_RETENTION_DAYS', { CHANGE_RETENTION_DAYS: 'forever' }],
    ['CHANGE_RETENTION_DAYS', { CHANGE_RETENTION_DAYS: '0' }],
    ['CHANGE_RETENTION_DAYS', { CHANGE_RETENTION_DAYS: '1.5' }],
  ])('a bad %s fails at start-up with a message naming it', (variable, change) => {
    const attempt = () => loadConfig({ ...valid, ...change });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration:\\n(.*\\n)*\\s+${variable} `, 'm'));
  });

  test('a bad key never appears in the error message', () => {
    expect(() => loadConfig({ ...valid, API_KEYS: 'admin:tiny' })).not.toThrow(/tiny/);
  });
});

describe('each process is configured with what it reads', () => {
  test('the API starts without SMTP_URL and INVITE_SECRET', () => {
    const config = loadApiConfig({ ...base, ...apiOnly });
    expect(config.apiKeys.get('s3cret-admin')).toBe('admin');
    expect(config.port).toBe(3000);
    expect(config.maxUploadBytes).toBe(200 * 1024 * 1024);
    // @ts-expect-error: the API's configuration has no SMTP relay, so API code cannot use one
    expect(config.smtpUrl).toBeUndefined();
  });

  test('a worker starts without API_KEYS', () => {
    const config = loadWorkerConfig({ ...base, ...workerOnly });
    expect(config.smtpUrl).toBe('smtp://localhost:1025');
    expect(config.invitations.secret).toBe(workerOnly.INVITE_SECRET);
    expect(config.workerQueues).toEqual(['imports', 'invitations']);
    // @ts-expect-error: the worker's configuration has no API keys, so worker code cannot read them
    expect(config.apiKeys).toBeUndefined();
  });

  test('a worker ignores the API-only variables it is given, even malformed ones', () => {
    expect(() => loadWorkerConfig({ ...valid, API_KEYS: 'nonsense', PORT: 'eighty', MAX_UPLOAD_MB: '0' })).not.toThrow();
  });

  test('When CHANGE_RETENTION_DAYS is not set, then a worker keeps change records 30 days; when set, that many', () => {
    expect(loadWorkerConfig({ ...base, ...workerOnly }).changeRetentionMs).toBe(30 * 24 * 3600 * 1000);
    expect(loadWorkerConfig({ ...base, ...workerOnly, CHANGE_RETENTION_DAYS: '7' }).changeRetentionMs).toBe(7 * 24 * 3600 * 1000);
  });

  test('the API ignores the worker-only variables it is given, even malformed ones', () => {
    expect(() => loadApiConfig({ ...valid, SMTP_URL: 'http://mail', INVITE_SECRET: 'short', WORKER_QUEUES: 'mail', CHANGE_RETENTION_DAYS: 'never' })).not.toThrow();
  });

  test('the API refuses to start without API_KEYS and names it, and nothing else it does not read', () => {
    expect(() => loadApiConfig(base)).toThrow(/^Invalid configuration:\n\s+API_KEYS is required/);
    expect(() => loadApiConfig({})).toThrow(/MONGO_URL[^]*REDIS_URL[^]*API_KEYS/);
    expect(() => loadApiConfig({})).not.toThrow(/SMTP_URL|INVITE_SECRET/);
  });

  test('a worker refuses to start without SMTP_URL and INVITE_SECRET and names them, and not API_KEYS', () => {
    expect(() => loadWorkerConfig(base)).toThrow(/^Invalid configuration:\n\s+SMTP_URL is required[^]*\n\s+INVITE_SECRET is required/);
    expect(() => loadWorkerConfig({})).toThrow(/MONGO_URL[^]*REDIS_URL/);
    expect(() => loadWorkerConfig({})).not.toThrow(/API_KEYS/);
  });

  test('both in one process need both parts', () => {
    expect(() => loadConfig({ ...base, ...apiOnly })).toThrow(/SMTP_URL[^]*INVITE_SECRET/);
    expect(() => loadConfig({ ...base, ...workerOnly })).toThrow(/API_KEYS/);
  });

  test('invitation links point at the API: its PORT in one process, its default port for a worker alone, PUBLIC_URL when set', () => {
    expect(loadConfig({ ...valid, PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadWorkerConfig({ ...valid, PORT: '8080' }).publicUrl).toBe('http://localhost:3000');
    expect(loadWorkerConfig({ ...valid, PUBLIC_URL: 'https://users.example.com/' }).publicUrl).toBe('https://users.example.com');
  });

  test('both processes queue invitations with the same retry policy', () => {
    expect(loadApiConfig({ ...valid, INVITE_RETRY_BASE_MS: '250' }).invitations.retryBaseMs).toBe(250);
    expect(loadWorkerConfig({ ...valid, INVITE_RETRY_BASE_MS: '250' }).invitations.retryBaseMs).toBe(250);
  });

  test.each([
    ['the API', 'MONGO_URL', () => loadApiConfig({ ...base, ...apiOnly, MONGO_URL: 'postgres://x' })],
    ['the API', 'MAX_UPLOAD_MB', () => loadApiConfig({ ...base, ...apiOnly, MAX_UPLOAD_MB: '0' })],
    ['a worker', 'REDIS_URL', () => loadWorkerConfig({ ...base, ...workerOnly, REDIS_URL: 'http://redis' })],
    ['a worker', 'WORKER_METRICS_PORT', () => loadWorkerConfig({ ...base, ...workerOnly, WORKER_METRICS_PORT: 'ninety' })],
    ['a worker', 'CHANGE_RETENTION_DAYS', () => loadWorkerConfig({ ...base, ...workerOnly, CHANGE_RETENTION_DAYS: '-1' })],
  ])('%s refuses a bad %s with a message naming it', (_process, variable, attempt) => {
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration:\\n(.*\\n)*\\s+${variable} `, 'm'));
  });
});

describe('which queues a worker consumes', () => {
  test('by default a worker runs imports and invitations', () => {
    expect(loadConfig(valid).workerQueues).toEqual(['imports', 'invitations']);
  });

  test('WORKER_QUEUES can dedicate a worker to sending invitations', () => {
    expect(loadConfig({ ...valid, WORKER_QUEUES: 'invitations' }).workerQueues).toEqual(['invitations']);
  });

  test('an unknown queue name is refused naming WORKER_QUEUES', () => {
    expect(() => loadConfig({ ...valid, WORKER_QUEUES: 'imports,mail' })).toThrow(/WORKER_QUEUES/);
  });
});

describe('how log lines are written', () => {
  test('by default as JSON, one object a line, which is what log collectors read', () => {
    expect(loadConfig(valid).logFormat).toBe('json');
    expect(logFormatFrom({})).toBe('json');
  });

  test('LOG_FORMAT=pretty asks for readable lines', () => {
    expect(loadConfig({ ...valid, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(logFormatFrom({ LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(logFormatFrom({ LOG_FORMAT: 'json' })).toBe('json');
  });

  test('LOG_FORMAT is checked on its own, before the rest of the configuration exists, with the same message', () => {
    expect(() => logFormatFrom({ LOG_FORMAT: 'fancy' })).toThrow(ConfigError);
    expect(() => logFormatFrom({ LOG_FORMAT: 'fancy' })).toThrow(/^Invalid configuration:\n\s+LOG_FORMAT must be json .* or pretty/);
  });
});
