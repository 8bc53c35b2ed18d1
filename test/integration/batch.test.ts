/**
 * The nightly batch on BullMQ with a real Redis (random key prefix, removed afterwards): the job scheduler
 * is registered with the configured cron in UTC; a batch job triggered directly fans out one forecast job
 * per (file, target) as a flow, the finalise parent records a failed child and verifies, progress shows
 * through the job API view, and a second batch does nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import pino from 'pino';
import { BullJobQueues } from '../../apps/api/queue/bullmq-job-queues.js';
import { loadConfig, type EppConfig } from '../../libs/contracts/config.js';
import { EppError } from '../../libs/contracts/errors.js';
import { encodeJobError, jobIdFor, QUEUES, type JobView } from '../../libs/contracts/jobs.js';
import { BatchStore } from '../../libs/pipeline/batch/index.js';
import { runJob } from '../../libs/service/run-job.js';
import {
  BATCH_SCHEDULER_ID,
  createBatchWorker,
  startBatchScheduler,
} from '../../workers/postprocess/batch.worker.js';
import { deletePrefix, randomPrefix } from '../e2e/helpers/redisPrefix.js';
import { describeRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { drop, generateMiniArchive } from '../unit/pipeline/batchFixture.js';

describeRedis('nightly batch on BullMQ', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'epp-batch-bull-'));
  const archive = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  const log = pino({ level: 'silent' });
  let redis: TestRedis;
  let config: EppConfig;
  let workers: Worker[] = [];
  const queues: Record<string, Queue> = {};
  let api: BullJobQueues;
  let closeScheduler: () => Promise<void> = async () => {};

  beforeAll(async () => {
    redis = await startRedis();
    config = loadConfig({
      REDIS_URL: redis.url,
      EPP_DATA_DIR: dataDir,
      EPP_QUEUE_PREFIX: randomPrefix(),
      EPP_BATCH_CRON: '30 3 * * *',
      EPP_JOB_ATTEMPTS: '1',
      EPP_RETRY_DELAY_MS: '10',
    });
    const names = await generateMiniArchive(archive);
    for (const f of names.forecasts.slice(0, 2)) drop(archive, dataDir, 'forecasts', f);
    drop(archive, dataDir, 'truth', '20160106T00Z.nc');
    writeFileSync(path.join(dataDir, 'inbox/forecasts/broken.nc'), 'not netcdf');

    const connection = { url: redis.url, maxRetriesPerRequest: null };
    // The forecast queue's worker, in this process: the same runner as the sandboxed processor.
    const forecastWorker = new Worker(
      QUEUES.forecast,
      async (job: Job) => {
        try {
          return await runJob('forecast', job.data, {
            dataDir,
            onProgress: (f) => job.updateProgress(f),
          });
        } catch (err) {
          const e = err instanceof EppError ? err : null;
          throw new Error(encodeJobError(e?.code ?? 'INTERNAL', (err as Error).message), { cause: err });
        }
      },
      { connection, prefix: config.queuePrefix },
    );
    workers = [forecastWorker, createBatchWorker({ config, log })];
    for (const name of Object.values(QUEUES))
      queues[name] = new Queue(name, { connection, prefix: config.queuePrefix });
    api = new BullJobQueues(config, queues.forecast, queues.train, queues.batch);
  }, 60000);

  afterAll(async () => {
    await closeScheduler();
    await Promise.all(workers.map((w) => w.close()));
    await api?.close();
    await Promise.all(Object.values(queues).map((q) => q.close()));
    if (redis) {
      await deletePrefix(redis.url, config.queuePrefix);
      await redis.stop();
    }
    rmSync(root, { recursive: true, force: true });
  }, 30000);

  it('registers the nightly scheduler with the configured cron in UTC', async () => {
    closeScheduler = await startBatchScheduler(config, log);
    const s = await queues.batch.getJobScheduler(BATCH_SCHEDULER_ID);
    expect(s?.pattern).toBe('30 3 * * *');
    expect(s?.tz).toBe('UTC');
    const next = new Date(Number(s?.next));
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 30]);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // Registering again (another worker starting) keeps one scheduler.
    await (
      await startBatchScheduler(config, log)
    )();
    expect(await queues.batch.getJobSchedulersCount()).toBe(1);
    // Not wanted while the test triggers batches by hand.
    await queues.batch.removeJobScheduler(BATCH_SCHEDULER_ID);
  });

  async function runBatch(seed: string): Promise<{ view: JobView; progress: number[] }> {
    const id = jobIdFor('batch', { date: '2016-01-11' }, seed);
    const { created } = await api.submit('batch', id, { id, date: '2016-01-11' });
    expect(created).toBe(true);
    const progress: number[] = [];
    for (let i = 0; i < 600; i++) {
      const v = (await api.get(id))!;
      progress.push(v.progress);
      if (v.state === 'completed' || v.state === 'failed') return { view: v, progress };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`batch ${id} did not finish`);
  }

  it('fans out one forecast job per (file, target), records failures, verifies, shows progress', async () => {
    const { view, progress } = await runBatch('a');
    expect(view.error).toBeNull();
    expect(view.state).toBe('completed');
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    const result = view.result as { batch: string; jobs: Record<string, number>; verified: number };
    // The shipped default model (61×120) is chosen (mixed) but does not fit the tiny testbed's 31×60 grid:
    // each good (file, target) falls back to EMOS in a second round of the flow; broken.nc does not.
    expect(result.jobs).toEqual({ total: 10, processed: 4, failed: 2, fellBack: 4 });
    expect(result.verified).toBe(2);

    const run = new BatchStore(dataDir).getRun(view.id)!;
    expect(run.status).toBe('completed');
    expect(run.methods.t850).toMatchObject({ method: 'mixed', model: 'default@bundled' });
    for (const j of run.jobs.filter((x) => x.fallbackTo)) {
      expect([j.method, j.status, j.error?.code]).toEqual(['mixed', 'failed', 'MISMATCH']);
      expect(run.jobs.find((x) => x.id === j.fallbackTo)).toMatchObject({
        method: 'emos',
        status: 'processed',
      });
    }
    for (const j of run.jobs.filter((x) => x.file.endsWith('broken.nc'))) {
      expect(j.status).toBe('failed');
      expect(j.error?.code).toBe('INVALID_NETCDF');
    }
    // Every child ran on the forecast queue, visible through the job API under its own id.
    for (const j of run.jobs.filter((x) => x.status === 'processed'))
      expect((await api.get(j.id))?.state).toBe('completed');
    const scores = new BatchStore(dataDir).readScores();
    expect(scores.map((s) => `${s.file}|${s.target}`).sort()).toEqual([
      'inbox/forecasts/20160104T00Z.nc|t850',
      'inbox/forecasts/20160104T00Z.nc|z500',
    ]);
    for (const s of scores) expect(s.raw10.crps).toBeGreaterThan(0);
  }, 60000);

  it('a second batch re-tries only the failed file and verifies nothing twice', async () => {
    const { view } = await runBatch('b');
    expect(view.state).toBe('completed');
    const result = view.result as { jobs: Record<string, number>; verified: number };
    expect(result.jobs).toEqual({ total: 2, processed: 0, failed: 2, fellBack: 0 }); // broken.nc, attempt 2 of 3
    expect(result.verified).toBe(0);
    expect(new BatchStore(dataDir).readScores()).toHaveLength(2);
  }, 60000);
});
