import { z } from 'zod';

export type ApiRole = 'admin' | 'support';

/** How log lines are written: `json` for log collectors, `pretty` (pino-pretty) for people. */
export type LogFormat = 'json' | 'pretty';

const apiKeys = z
  .string({ error: 'is required: comma-separated role:key pairs, e.g. admin:s3cret,support:0ther' })
  .transform((value, ctx) => {
    const keys = new Map<string, ApiRole>();
    for (const pair of value.split(',').map((item) => item.trim()).filter(Boolean)) {
      const separator = pair.indexOf(':');
      const role = pair.slice(0, separator).trim();
      const key = pair.slice(separator + 1).trim();
      if (separator < 1 || (role !== 'admin' && role !== 'support')) {
        ctx.addIssue({ code: 'custom', message: `has an entry with role "${separator < 1 ? '' : role}": each entry must be admin:<key> or support:<key>` });
      } else if (key.length < 8) {
        ctx.addIssue({ code: 'custom', message: `the ${role} key must be at least 8 characters long` });
      } else {
        keys.set(key, role);
      }
    }
    if (keys.size === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one key, e.g. admin:s3cret-key' });
    return keys;
  });

/** Not a setting: the API's "no worker is running" (rules/queuedImportWait.ts) counts on it. */
const PRESENCE_EVERY_MS = 10_000;

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const port = z.coerce.number().int().min(0).max(65535);

/**
 * What every process reads: where the data and the queues are, and how it logs. The API and the
 * worker each add their own part below, so neither refuses to start over a variable it never reads.
 */
const baseEnvironment = z.object({
  MONGO_URL: z.string({ error: 'is required, e.g. mongodb://localhost:27017/users' }).regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
  REDIS_URL: z.string({ error: 'is required, e.g. redis://localhost:6379' }).regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'], { error: 'must be json (one JSON object a line) or pretty (readable lines, for development)' })
    .default('json')
    .refine((format) => format !== 'pretty' || prettyPrinterInstalled(), {
      error: 'is pretty, which needs pino-pretty, a devDependency that production installs (npm ci --omit=dev) leave out: install the devDependencies, or set LOG_FORMAT=json',
    }),
  QUEUE_PREFIX: z.string().regex(/^[\w:-]+$/).default('user-import'),
  // Both processes queue invitations (the API its re-sends), and the queue holds the retry policy.
  INVITE_RETRY_BASE_MS: positiveInt(5_000, 3_600_000),
});

const apiEnvironment = z.object({
  API_KEYS: apiKeys,
  PORT: port.default(3000),
  MAX_UPLOAD_MB: positiveInt(200, 10_240),
  MAX_EXPORTS_PER_KEY: positiveInt(2, 100),
  MAX_UPLOADS_PER_KEY: positiveInt(4, 100),
});

const workerEnvironment = z.object({
  SMTP_URL: z.string({ error: 'is required, e.g. smtp://localhost:1025' }).regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://'),
  MAIL_FROM: z.string().min(3).default('User directory <no-reply@localhost>'),
  PUBLIC_URL: z.url({ error: 'must be the absolute URL users reach the service at, e.g. https://users.example.com' }).optional(),
  IMPORT_CHUNK_SIZE: positiveInt(1000, 10_000),
  WORKER_CONCURRENCY: positiveInt(2, 64),
  ORG_NAME: z.string().min(1).default('Your organisation'),
  INVITE_RATE_PER_SECOND: positiveInt(20, 10_000),
  INVITE_TTL_DAYS: positiveInt(7, 365),
  WORKER_LOCK_SECONDS: positiveInt(30, 3_600),
  INVITE_SECRET: z
    .string({ error: 'is required: a random string of 32 or more characters that signs invitation links, e.g. from `openssl rand -hex 32`' })
    .min(32, 'must be at least 32 characters long (e.g. `openssl rand -hex 32`)'),
  IMPORT_DB_RETRY_SECONDS: positiveInt(600, 86_400),
  RECOVERY_INTERVAL_SECONDS: positiveInt(60, 86_400),
  UPLOAD_RETENTION_DAYS: positiveInt(30, 3_650),
  CHANGE_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days, e.g. 30' })
    .int('must be a whole number of days, e.g. 30')
    .min(1, 'must be at least 1 day: undo and the preview read the change records')
    .max(3_650, 'must be at most 3650 days (10 years)')
    .default(30),
  WORKER_METRICS_PORT: port.optional(),
  WORKER_UNHEALTHY_AFTER_SECONDS: positiveInt(120, 86_400),
  WORKER_QUEUES: z
    .string()
    .default('imports,invitations')
    .transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['imports', 'invitations'], { error: 'lists queues to consume: imports, invitations or both' })).min(1)),
});

/** What both processes read. */
export interface BaseConfig {
  mongoUrl: string;
  redisUrl: string;
  logLevel: string;
  logFormat: LogFormat;
  /** Redis key prefix of every queue: lets several deployments (or test files) share a Redis. */
  queuePrefix: string;
  invitations: {
    /** First retry delay after a temporary SMTP failure; doubles with each attempt. */
    retryBaseMs: number;
  };
}

/** What only the API reads: a worker never holds the API keys. */
export interface ApiConfig extends BaseConfig {
  apiKeys: ReadonlyMap<string, ApiRole>;
  port: number;
  maxUploadBytes: number;
  /** Exports (and uploads) one key may have running at once in one API process; more are 429. */
  maxExportsPerKey: number;
  maxUploadsPerKey: number;
}

/** What only the worker reads: the API never holds the SMTP relay or the invitation secret. */
export interface WorkerConfig extends BaseConfig {
  smtpUrl: string;
  mailFrom: string;
  /** Base of the links in invitation mails. */
  publicUrl: string;
  importChunkSize: number;
  workerConcurrency: number;
  orgName: string;
  invitations: BaseConfig['invitations'] & {
    /** Mails per second across all workers, so a big import does not flood the relay. */
    ratePerSecond: number;
    ttlMs: number;
    /**
     * Signs invitation links: a link is derived from it and the invitation's id and version, so
     * a mail sent twice (a crash between the relay's OK and our record) carries the same link.
     */
    secret: string;
  };
  /** How long an import keeps retrying through MongoDB errors (outage, step-down) before it fails. */
  importDbRetryMs: number;
  /** How often workers look for stranded imports and invitations and sweep stored uploads. */
  recoveryIntervalMs: number;
  /** Uploads hold plaintext passwords: each is deleted this long after its last import ended. */
  uploadRetentionMs: number;
  /** How long an import's change records (its preview, and what undo puts back) are kept. */
  changeRetentionMs: number;
  /** When set, a worker process serves /metrics and /healthz on this port. */
  workerMetricsPort?: number;
  /** A worker whose reports have not reached MongoDB for this long answers /healthz with 503. */
  workerUnhealthyAfterMs: number;
  /** How often a worker reports itself alive (10 s; the API counts one silent for 45 s as gone). */
  presenceEveryMs: number;
  /** How long a worker's hold on a job lasts without renewal: a killed worker's job resumes after it. */
  workerLockMs: number;
  /** Which queues a worker process consumes: dedicated mail senders can scale apart from importers. */
  workerQueues: ReadonlyArray<'imports' | 'invitations'>;
}

/** API and workers in one process: `npm start`, `npm run dev`, the tests and the benches. */
export type Config = ApiConfig & WorkerConfig;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The only place that reads the environment, one loader for each kind of process. Each fails
 * with every bad variable it needs named, so a deployment that forgot one learns which from the
 * first log line, and with nothing about the variables only the other process reads.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parse(baseEnvironment.extend(apiEnvironment.shape), env);
  return { ...baseConfig(e), ...apiConfig(e) };
}

/**
 * Without PUBLIC_URL, links point at the API's default port: a worker alone does not know the
 * API's PORT, so set PUBLIC_URL wherever the API is not on http://localhost:3000.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parse(baseEnvironment.extend(workerEnvironment.shape), env);
  return { ...baseConfig(e), ...workerConfig(e, 3000) };
}

/** Both parts, for a process that runs the API and the workers. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parse(baseEnvironment.extend(apiEnvironment.shape).extend(workerEnvironment.shape), env);
  const api = apiConfig(e);
  return { ...baseConfig(e), ...api, ...workerConfig(e, api.port) };
}

function baseConfig(e: z.output<typeof baseEnvironment>): BaseConfig {
  return {
    mongoUrl: e.MONGO_URL,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    queuePrefix: e.QUEUE_PREFIX,
    invitations: { retryBaseMs: e.INVITE_RETRY_BASE_MS },
  };
}

function apiConfig(e: z.output<typeof apiEnvironment>): Omit<ApiConfig, keyof BaseConfig> {
  return {
    apiKeys: e.API_KEYS,
    port: e.PORT,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    maxExportsPerKey: e.MAX_EXPORTS_PER_KEY,
    maxUploadsPerKey: e.MAX_UPLOADS_PER_KEY,
  };
}

function workerConfig(e: z.output<typeof workerEnvironment> & z.output<typeof baseEnvironment>, apiPort: number): Omit<WorkerConfig, Exclude<keyof BaseConfig, 'invitations'>> {
  return {
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${apiPort}`).replace(/\/+$/, ''),
    importChunkSize: e.IMPORT_CHUNK_SIZE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    orgName: e.ORG_NAME,
    invitations: {
      retryBaseMs: e.INVITE_RETRY_BASE_MS,
      ratePerSecond: e.INVITE_RATE_PER_SECOND,
      ttlMs: e.INVITE_TTL_DAYS * 24 * 3600 * 1000,
      secret: e.INVITE_SECRET,
    },
    importDbRetryMs: e.IMPORT_DB_RETRY_SECONDS * 1000,
    recoveryIntervalMs: e.RECOVERY_INTERVAL_SECONDS * 1000,
    uploadRetentionMs: e.UPLOAD_RETENTION_DAYS * 24 * 3600 * 1000,
    changeRetentionMs: e.CHANGE_RETENTION_DAYS * 24 * 3600 * 1000,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerUnhealthyAfterMs: e.WORKER_UNHEALTHY_AFTER_SECONDS * 1000,
    presenceEveryMs: PRESENCE_EVERY_MS,
    workerLockMs: e.WORKER_LOCK_SECONDS * 1000,
    workerQueues: e.WORKER_QUEUES,
  };
}

/**
 * LOG_FORMAT alone, checked as the loaders check it: `npm run dev` sets up its logs before it
 * has the rest of the configuration.
 */
export function logFormatFrom(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return parse(baseEnvironment.pick({ LOG_FORMAT: true }), env).LOG_FORMAT;
}

/** Looked up, never loaded: production code paths must not require a devDependency. */
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

function parse<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'} ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
