#!/usr/bin/env node
/**
 * `npm run worker`: a post-processing worker process for the `forecast` and `train` queues on Redis.
 * Start as many as you like, on any machine that sees the same data root. SIGTERM/SIGINT: stop taking
 * jobs, let running ones finish, then exit.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../libs/contracts/config.js';
import { describeError } from '../../libs/contracts/errors.js';
import { startBatchScheduler } from './batch.worker.js';
import { listenForCancels } from './cancel.js';
import { Heartbeat } from './heartbeat.js';
import { serveMetrics, workerMetrics } from './metrics.js';
import { createWorkers } from './workers.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`epp worker: ${describeError(err)}\n`);
  process.exit(2);
}
const log = pino({ level: config.logLevel, base: { svc: 'epp-worker', pid: process.pid } });
if (!config.redisUrl) {
  log.error(
    'REDIS_URL is not set: a separate worker needs Redis (without it, `npm start` runs an embedded worker)',
  );
  process.exit(2);
}

const workers = createWorkers(config, log);
const closeScheduler = await startBatchScheduler(config, log);
const closeCancels = await listenForCancels(config, workers, log);
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
redis.on('error', (err) => log.warn({ err: err.message }, 'heartbeat connection error'));
const heartbeat = new Heartbeat(redis, config.queuePrefix, config.heartbeatMs, () => ({
  queues: workers.map((w) => w.name),
  concurrency: config.workerConcurrency,
  tfBackend: config.tfBackend,
  active: 0,
}));
heartbeat.start();
let metricsServer: import('node:http').Server | null = null;
try {
  metricsServer = await serveMetrics(
    workerMetrics(config, workers),
    config.workerMetricsPort,
    config.host,
    log,
  );
} catch (err) {
  log.error({ err: (err as Error).message, port: config.workerMetricsPort }, 'cannot serve worker metrics');
  process.exit(2);
}
log.info({ queues: workers.map((w) => w.name), concurrency: config.workerConcurrency }, 'worker ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'closing workers: finishing running jobs');
  await Promise.all(workers.map((w) => w.close()));
  await closeScheduler();
  await closeCancels();
  await heartbeat.stop();
  metricsServer?.close();
  redis.disconnect();
  log.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
