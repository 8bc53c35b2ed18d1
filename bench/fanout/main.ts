/**
 * `npm run -s bench -- fanout [--json] [--jobs 10000] [--workers 1,2,4] [--flow 1000] [--dir D]`
 *
 * Fan-out on the real Redis: a private `redis-server` on a free loopback port (never the system one), N small
 * forecast jobs (method raw, ERA5 t850 at 3°, a 12° × 12° box, the mean product: real reads, real NetCDF
 * outputs, small) enqueued in bulk with the service's job options (attempts, backoff, the configured
 * retention), drained by 1, 2, 4 real worker processes (dist/workers/postprocess/main.js, sandboxed processors).
 * Reported per round: enqueue and completion throughput, Redis memory per 1,000 jobs (waiting; completed under
 * the retention, with their results), p50/p99 queue latency (enqueue → start) and run time (start → finish).
 * Then a flow of the nightly batch's shape (one parent, `--flow` forecast children, as batch.worker.ts builds):
 * time to add it and until every child has finished. The load average is printed with the figures.
 * Workers are started (ready, idle) before each burst; each round uses its own queue prefix and is obliterated.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlowProducer, Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../libs/contracts/config.js';
import { normaliseForecastRequest, type ForecastJobPayload } from '../../libs/contracts/jobs.js';
import { ROOT, startRedis, startWorkers, stop } from '../common/redis.js';
import { printResults } from '../report.js';
import { arg } from '../common/args.js';

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

function payload(i: number, tag: string): ForecastJobPayload {
  const lat = -60 + (i % 10) * 12;
  const lon = (i * 12) % 348;
  return {
    id: `fc-${tag}-${i}`,
    request: normaliseForecastRequest({
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      level: 850,
      products: ['mean'],
      bbox: [lon, lat, lon + 12, lat + 12],
    }),
    sourceStamp: 'bench',
  };
}

interface Round {
  workers: number;
  jobs: number;
  enqueueSeconds: number;
  enqueueJobsPerSecond: number;
  drainSeconds: number;
  completionJobsPerSecond: number;
  redisBytesPer1000Completed: number;
  queueLatencyMs: { p50: number; p99: number; max: number };
  runMs: { p50: number; p99: number };
  failed: number;
  loadAverage1m: number;
}

async function jobTimes(q: Queue): Promise<{ wait: number[]; run: number[]; start: number; end: number }> {
  const wait: number[] = [];
  const run: number[] = [];
  let start = Infinity;
  let end = -Infinity;
  for (let page = 0; ; page++) {
    const jobs: Job[] = await q.getJobs(['completed'], page * 1000, page * 1000 + 999, true);
    for (const j of jobs) {
      wait.push(j.processedOn! - j.timestamp);
      run.push(j.finishedOn! - j.processedOn!);
      start = Math.min(start, j.timestamp);
      end = Math.max(end, j.finishedOn!);
    }
    if (jobs.length < 1000) break;
  }
  return { wait, run, start, end };
}

async function waitDrained(
  q: Queue,
  n: number,
  timeoutMs: number,
): Promise<{ completed: number; failed: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await q.getJobCounts('completed', 'failed');
    if (c.completed + c.failed >= n) return { completed: c.completed, failed: c.failed };
    if (Date.now() > deadline)
      throw new Error(`only ${c.completed + c.failed} of ${n} jobs finished in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const nJobs = Number(arg(argv, 'jobs', '10000'));
  const workerCounts = arg(argv, 'workers', '1,2,4').split(',').map(Number);
  const nFlow = Number(arg(argv, 'flow', '1000'));
  const config = loadConfig({}); // the service's defaults: attempts, backoff, retention
  const real = path.resolve(process.env.EPP_REAL_DATA ?? path.join(ROOT, '../shared/data/real'));
  const parent = arg(argv, 'dir', os.tmpdir());
  mkdirSync(parent, { recursive: true });
  const dataDir = mkdtempSync(path.join(parent, 'epp-fanout-'));
  mkdirSync(path.join(dataDir, 'inbox'));
  copyFileSync(
    path.join(real, 'cfgrib_era5_eda/era5-levels-members.nc3.nc'),
    path.join(dataDir, 'inbox/era5.nc'),
  );
  const redisProc = await startRedis();
  const url = redisProc.url;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const rounds: Round[] = [];
  let flow: Record<string, number> | null = null;
  const opts = {
    attempts: config.jobAttempts,
    backoff: { type: 'exponential', delay: config.retryDelayMs },
    removeOnComplete: { age: config.jobRetentionS },
    removeOnFail: { age: config.jobRetentionS },
  };
  const workerEnv = (prefix: string) => ({
    REDIS_URL: url,
    EPP_QUEUE_PREFIX: prefix,
    EPP_DATA_DIR: dataDir,
    EPP_LOG_LEVEL: 'info',
    EPP_BATCH_CRON: '0 2 * * *',
  });
  const probe = { waitingBytesPer1000: NaN };
  try {
    {
      // Memory of waiting jobs: 1,000 enqueued with no worker running, then removed.
      const q = new Queue('forecast', {
        connection: { url, enableOfflineQueue: false },
        prefix: `fan${process.pid}probe`,
      });
      const m0 = await usedMemory(redis);
      await q.addBulk(
        Array.from({ length: 1000 }, (_, k) => {
          const p = payload(k, 'probe');
          return { name: 'forecast', data: p, opts: { ...opts, jobId: p.id } };
        }),
      );
      probe.waitingBytesPer1000 = (await usedMemory(redis)) - m0;
      await q.obliterate({ force: true });
      await q.close();
    }
    for (const w of workerCounts) {
      const prefix = `fan${process.pid}w${w}`;
      const q = new Queue('forecast', { connection: { url, enableOfflineQueue: false }, prefix });
      const workers = await startWorkers(w, workerEnv(prefix));
      const mem0 = await usedMemory(redis);
      const t0 = performance.now();
      for (let i = 0; i < nJobs; i += 500) {
        await q.addBulk(
          Array.from({ length: Math.min(500, nJobs - i) }, (_, k) => {
            const p = payload(i + k, prefix);
            return { name: 'forecast', data: p, opts: { ...opts, jobId: p.id } };
          }),
        );
      }
      const enqueueSeconds = (performance.now() - t0) / 1000;
      const counts = await waitDrained(q, nJobs, 4 * 3600_000);
      const mem2 = await usedMemory(redis);
      await Promise.all(workers.map(stop));
      const t = await jobTimes(q);
      rounds.push({
        workers: w,
        jobs: nJobs,
        enqueueSeconds,
        enqueueJobsPerSecond: nJobs / enqueueSeconds,
        drainSeconds: (t.end - t.start) / 1000,
        completionJobsPerSecond: counts.completed / ((t.end - t.start) / 1000),
        redisBytesPer1000Completed: ((mem2 - mem0) / nJobs) * 1000,
        queueLatencyMs: { p50: pct(t.wait, 0.5), p99: pct(t.wait, 0.99), max: Math.max(...t.wait) },
        runMs: { p50: pct(t.run, 0.5), p99: pct(t.run, 0.99) },
        failed: counts.failed,
        loadAverage1m: os.loadavg()[0],
      });
      process.stderr.write(`fanout: ${w} worker(s) done: ${JSON.stringify(rounds[rounds.length - 1])}\n`);
      await q.obliterate({ force: true });
      await q.close();
      rmSync(path.join(dataDir, 'outputs'), { recursive: true, force: true });
    }
    if (nFlow > 0) {
      // The nightly batch's shape: one parent job whose children are the forecast jobs of a run.
      const prefix = `fan${process.pid}flow`;
      const workers = await startWorkers(Math.max(...workerCounts), workerEnv(prefix));
      const producer = new FlowProducer({ connection: { url }, prefix });
      const q = new Queue('forecast', { connection: { url, enableOfflineQueue: false }, prefix });
      const t0 = performance.now();
      await producer.add({
        name: 'batch-bench',
        queueName: 'fanout-parent', // consumed by nobody: the parent waits for its children only
        data: {},
        children: Array.from({ length: nFlow }, (_, i) => {
          const p = payload(i, prefix);
          return { name: 'forecast', queueName: 'forecast', data: p, opts: { ...opts, jobId: p.id } };
        }),
      });
      const addSeconds = (performance.now() - t0) / 1000;
      await waitDrained(q, nFlow, 3600_000);
      const t = await jobTimes(q);
      flow = {
        children: nFlow,
        workers: Math.max(...workerCounts),
        addSeconds,
        addJobsPerSecond: nFlow / addSeconds,
        drainSeconds: (t.end - t.start) / 1000,
        completionJobsPerSecond: nFlow / ((t.end - t.start) / 1000),
        queueLatencyP50Ms: pct(t.wait, 0.5),
        queueLatencyP99Ms: pct(t.wait, 0.99),
      };
      await Promise.all(workers.map(stop));
      await producer.close();
      await q.obliterate({ force: true });
      await q.close();
    }
  } finally {
    redis.disconnect();
    await stop(redisProc);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const json = {
    jobs: nJobs,
    job: 'raw t850, ERA5 3° file, 12°×12° box, mean product',
    retentionSeconds: config.jobRetentionS,
    redisBytesPer1000Waiting: probe.waitingBytesPer1000,
    attempts: config.jobAttempts,
    rounds,
    flow,
    machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: os.loadavg()[0] },
  };
  printResults(
    json,
    {
      header: [
        'workers',
        'enqueue jobs/s',
        'completed jobs/s',
        'drain s',
        'latency p50 ms',
        'latency p99 ms',
        'run p50 ms',
        'Redis B/1000 completed',
        'failed',
        'load 1m',
      ],
      rows: rounds.map((r) => [
        r.workers,
        r.enqueueJobsPerSecond,
        r.completionJobsPerSecond,
        r.drainSeconds,
        r.queueLatencyMs.p50,
        r.queueLatencyMs.p99,
        r.runMs.p50,
        r.redisBytesPer1000Completed,
        r.failed,
        r.loadAverage1m,
      ]),
    },
    asJson,
  );
  process.stdout.write(
    `Redis memory per 1,000 waiting jobs: ${(probe.waitingBytesPer1000 / 1024).toFixed(0)} KiB; completed jobs are kept ${config.jobRetentionS} s with their results\n`,
  );
  if (flow)
    process.stdout.write(
      `flow of ${flow.children} children (${flow.workers} workers): added in ${flow.addSeconds.toFixed(2)} s, drained at ${flow.completionJobsPerSecond.toFixed(1)} jobs/s, latency p50 ${flow.queueLatencyP50Ms.toFixed(0)} ms p99 ${flow.queueLatencyP99Ms.toFixed(0)} ms\n`,
    );
}
