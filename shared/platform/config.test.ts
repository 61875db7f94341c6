import { ConfigError, loadConfig, logFormatFrom } from './config';

const valid = {
  MONGO_URL: 'mongodb://localhost:27017/users',
  REDIS_URL: 'redis://localhost:6379',
  SMTP_URL: 'smtp://localhost:1025',
  API_KEYS: 'admin:s3cret-admin,support:0ther-support',
  INVITE_SECRET: 'a-test-secret-of-at-least-32-characters',
};

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
  ])('a bad %s fails at start-up with a message naming it', (variable, change) => {
    const attempt = () => loadConfig({ ...valid, ...change });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration:\\n(.*\\n)*\\s+${variable} `, 'm'));
  });

  test('a bad key never appears in the error message', () => {
    expect(() => loadConfig({ ...valid, API_KEYS: 'admin:tiny' })).not.toThrow(/tiny/);
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
