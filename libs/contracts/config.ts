/**
 * The service configuration: every environment variable the API and the workers read, validated once at
 * start-up into a typed object. Nothing else in the code reads `process.env` (immich's `getEnv()` habit).
 */
import path from 'node:path';
import { InvalidArgumentError } from './errors.js';

export type Role = 'read' | 'submit' | 'admin';
export const ROLES: readonly Role[] = ['read', 'submit', 'admin'];
export type TfBackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface ApiKeySpec {
  key: string;
  role: Role;
}

export interface EppConfig {
  port: number;
  /** Interface the API listens on. */
  host: string;
  /** Absolute data root: inbox/, outputs/, models/, keys/. */
  dataDir: string;
  /** BullMQ connection; undefined → the embedded in-process queue. */
  redisUrl?: string;
  /** Key prefix of every BullMQ queue (tests use a random one). */
  queuePrefix: string;
  /** Keys from EPP_API_KEYS; undefined → a generated admin key under `<dataDir>/keys/`. */
  apiKeys?: ApiKeySpec[];
  tfBackend: TfBackendName;
  /** Tensor worker threads (libs/model/parallel) for training and inference; undefined → the cores available. */
  tfThreads?: number;
  batchCron: string;
  workerConcurrency: number;
  /** How long finished jobs (and their records) are kept, seconds. */
  jobRetentionS: number;
  /** Attempts per job for transient faults (exponential backoff from `retryDelayMs`). */
  jobAttempts: number;
  retryDelayMs: number;
  /** BullMQ lock duration / stalled-check interval, ms (short values make crash recovery fast in tests). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Largest JSON body and largest uploaded NetCDF file, bytes. */
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** Worker heartbeat period, ms (the heartbeat key lives 3 periods). */
  heartbeatMs: number;
  realDataDir: string;
  logLevel: string;
  /** Embedded mode: run jobs in forked job processes (`process`, default) or on the API's event loop (`inline`). */
  embeddedJobs: 'process' | 'inline';
  /** Port of a worker process's own /metrics endpoint (Prometheus); 0 → none. */
  workerMetricsPort: number;
  /** Testing/diagnostics: extra time each job spends before its heavy step, ms (fault tests kill workers mid-job). */
  jobDelayMs: number;
  /** Limits of the child process that opens untrusted files for the API: wall time per check (ms), memory (MiB). */
  precheckTimeoutMs: number;
  precheckMemoryMb: number;
}

type Env = Record<string, string | undefined>;

/** Parse and validate the environment; throws one InvalidArgumentError listing every bad variable. */
export function loadConfig(env: Env = process.env): EppConfig {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be an integer in [${min}, ${max}]`);
      return dflt;
    }
    return v;
  };
  const bytes = (name: string, dflt: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return dflt;
    const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
    if (!m) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a size such as 1048576, 512kb, 100mb or 1gb`);
      return dflt;
    }
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Number(m[1]) * unit;
  };

  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\/.+/.test(redisUrl))
    problems.push(`REDIS_URL=${JSON.stringify(redisUrl)} must start with redis:// or rediss://`);

  let apiKeys: ApiKeySpec[] | undefined;
  if (env.EPP_API_KEYS?.trim()) {
    apiKeys = [];
    for (const pair of env.EPP_API_KEYS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const i = pair.lastIndexOf(':');
      const key = i > 0 ? pair.slice(0, i) : '';
      const role = i > 0 ? pair.slice(i + 1) : '';
      if (key.length < 8 || !ROLES.includes(role as Role))
        problems.push(
          `EPP_API_KEYS entry ${JSON.stringify(pair.slice(0, 4) + '…')} must be key:role with a key of ≥ 8 characters and role read|submit|admin`,
        );
      else apiKeys.push({ key, role: role as Role });
    }
  }

  const tfBackend = (env.EPP_TF_BACKEND?.trim() || 'auto') as TfBackendName;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(tfBackend))
    problems.push(`EPP_TF_BACKEND=${JSON.stringify(tfBackend)} must be auto, tensorflow, wasm or cpu`);

  const batchCron = env.EPP_BATCH_CRON?.trim() || '0 2 * * *';
  if (batchCron.split(/\s+/).length < 5 || batchCron.split(/\s+/).length > 6)
    problems.push(`EPP_BATCH_CRON=${JSON.stringify(batchCron)} must be a cron pattern of 5 or 6 fields`);

  const queuePrefix = env.EPP_QUEUE_PREFIX?.trim() || 'epp';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix))
    problems.push(`EPP_QUEUE_PREFIX=${JSON.stringify(queuePrefix)} must be 1–64 of [A-Za-z0-9_.-]`);

  const logLevel = env.EPP_LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push(
      `EPP_LOG_LEVEL=${JSON.stringify(logLevel)} must be fatal|error|warn|info|debug|trace|silent`,
    );

  const embeddedJobs = (env.EPP_EMBEDDED_JOBS?.trim() || 'process') as EppConfig['embeddedJobs'];
  if (!['process', 'inline'].includes(embeddedJobs))
    problems.push(`EPP_EMBEDDED_JOBS=${JSON.stringify(embeddedJobs)} must be process or inline`);

  const config: EppConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: env.EPP_HOST?.trim() || '0.0.0.0',
    dataDir: path.resolve(env.EPP_DATA_DIR?.trim() || './data'),
    redisUrl,
    queuePrefix,
    apiKeys,
    tfBackend,
    tfThreads: env.EPP_TF_THREADS?.trim() ? int('EPP_TF_THREADS', 1, 1, 256) : undefined,
    batchCron,
    workerConcurrency: int('EPP_WORKER_CONCURRENCY', 1, 1, 64),
    jobRetentionS: int('EPP_JOB_RETENTION_S', 7 * 24 * 3600, 1),
    jobAttempts: int('EPP_JOB_ATTEMPTS', 3, 1, 100),
    retryDelayMs: int('EPP_RETRY_DELAY_MS', 2000, 0),
    lockDurationMs: int('EPP_LOCK_DURATION_MS', 30000, 1000),
    stalledIntervalMs: int('EPP_STALLED_INTERVAL_MS', 30000, 500),
    bodyLimitBytes: bytes('EPP_BODY_LIMIT', 1024 ** 2),
    uploadLimitBytes: bytes('EPP_UPLOAD_LIMIT', 200 * 1024 ** 2),
    heartbeatMs: int('EPP_HEARTBEAT_MS', 5000, 100),
    realDataDir: path.resolve(env.EPP_REAL_DATA?.trim() || '../shared/data/real'),
    logLevel,
    jobDelayMs: int('EPP_JOB_DELAY_MS', 0, 0, 600000),
    embeddedJobs,
    workerMetricsPort: int('EPP_WORKER_METRICS_PORT', 0, 0, 65535),
    precheckTimeoutMs: int('EPP_PRECHECK_TIMEOUT_MS', 5000, 100, 600000),
    precheckMemoryMb: int('EPP_PRECHECK_MEMORY_MB', 512, 64, 65536),
  };
  if (problems.length)
    throw new InvalidArgumentError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
