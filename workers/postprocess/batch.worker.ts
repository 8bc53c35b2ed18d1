/**
 * The nightly batch on BullMQ. A job scheduler puts a `batch` job on the `batch` queue every night (cron
 * in UTC from EPP_BATCH_CRON); `POST /v1/batches` adds one by hand. The batch job plans the run
 * (NightlyBatch.prepare) and fans out one `forecast` job per (file, target) as a FlowProducer flow whose
 * parent — a `finalise` job on the batch queue — records the outcomes and verifies (NightlyBatch.finalise)
 * once every child has finished or failed (`ignoreDependencyOnFailure`); failed files with another method
 * left (mixed → emos → raw, per file) go to a further round first. The batch job waits for its
 * finalise job, reporting the flow's progress, and returns the run summary, so one job id tells it all.
 */
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import type pino from 'pino';
import type { EppConfig } from '../../libs/contracts/config.js';
import {
  decodeJobError,
  QUEUES,
  type BatchJobPayload,
  type ForecastJobResult,
} from '../../libs/contracts/jobs.js';
import {
  batchJobResult,
  NightlyBatch,
  outcomeOf,
  type BatchQueueJob,
  type JobOutcome,
} from '../../libs/pipeline/batch/index.js';

export const BATCH_SCHEDULER_ID = 'nightly-batch';
const FINALISE = 'finalise';
const POLL_MS = 250;

/** Register (or update) the nightly job scheduler: cron `config.batchCron` in UTC. */
export async function upsertBatchScheduler(queue: Queue, config: EppConfig): Promise<void> {
  await queue.upsertJobScheduler(
    BATCH_SCHEDULER_ID,
    { pattern: config.batchCron, tz: 'UTC' },
    { name: 'batch', data: { trigger: 'schedule' } satisfies BatchJobPayload },
  );
}

/** A run id from a job id (scheduler ids hold ':' which file names and URLs should not). */
export function runIdOf(job: Job): string {
  return String(job.id).replace(/[^A-Za-z0-9_.-]/g, '-');
}

export interface BatchWorkerOptions {
  config: EppConfig;
  log: pino.Logger;
}

export function createBatchWorker({ config, log }: BatchWorkerOptions): Worker {
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null };
  const flow = new FlowProducer({ connection, prefix: config.queuePrefix });
  flow.on('error', (err) => log.error({ err: err.message }, 'batch flow producer error'));
  const batchQueue = new Queue(QUEUES.batch, { connection, prefix: config.queuePrefix });
  batchQueue.on('error', (err) => log.error({ err: err.message }, 'batch queue error'));
  const retention = { age: config.jobRetentionS };

  /** One round of forecast jobs (gridded and site predictions) as a flow whose parent is a `finalise` job (round 0: the planned jobs). */
  function addRound(runId: string, round: number, jobs: BatchQueueJob[], prior: JobOutcome[]) {
    return flow.add({
      name: FINALISE,
      queueName: QUEUES.batch,
      data: { runId, round, prior },
      opts: {
        jobId: round ? `${runId}-finalise-${round}` : `${runId}-finalise`,
        removeOnComplete: retention,
        removeOnFail: retention,
      },
      children: jobs.map((j) => ({
        name: QUEUES.forecast,
        queueName: QUEUES.forecast,
        data: j.payload,
        opts: {
          jobId: j.payload.id,
          attempts: config.jobAttempts,
          backoff: { type: 'exponential', delay: config.retryDelayMs },
          ignoreDependencyOnFailure: true,
          removeOnComplete: retention,
          removeOnFail: retention,
        },
      })),
    });
  }

  /**
   * A round's parent: collect its children's outcomes; failed files with a method left (mixed → emos → raw,
   * per file and target) get another round (at most two more), else the run is finalised with every
   * round's outcomes. An intermediate round returns `{ continued: <next parent id> }`.
   */
  async function finalise(job: Job): Promise<unknown> {
    const {
      runId,
      round = 0,
      prior = [],
    } = job.data as {
      runId: string;
      round?: number;
      prior?: JobOutcome[];
    };
    const values = (await job.getChildrenValues()) as Record<string, ForecastJobResult>;
    const failures = await job.getIgnoredChildrenFailures();
    const idOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
    const outcomes: JobOutcome[] = [
      ...Object.entries(values).map(([k, v]) => outcomeOf(idOf(k), v)),
      ...Object.entries(failures).map(([k, reason]) => ({
        id: idOf(k),
        ok: false as const,
        error: decodeJobError(reason),
      })),
    ];
    const nb = new NightlyBatch({ dataDir: config.dataDir });
    if (round < 2 && outcomes.some((o) => !o.ok)) {
      const next = nb.planFallbacks(runId, outcomes);
      if (next.length) {
        const node = await addRound(runId, round + 1, next, [...prior, ...outcomes]);
        log.info({ batch: runId, round: round + 1, jobs: next.length }, 'batch fallback round');
        return { continued: node.job.id };
      }
    }
    const record = await nb.finalise(runId, [...prior, ...outcomes], (f) =>
      job.updateProgress(Math.round(f * 100) / 100),
    );
    return batchJobResult(record);
  }

  async function batch(job: Job): Promise<unknown> {
    const p = (job.data ?? {}) as BatchJobPayload;
    const runId = p.id ?? runIdOf(job);
    const nb = new NightlyBatch({ dataDir: config.dataDir });
    await job.updateProgress(0.01);
    const { jobs } = await nb.prepare({
      id: runId,
      ...(p.date ? { date: p.date } : {}),
      trigger: p.trigger ?? 'manual',
    });
    if (!jobs.length) {
      const record = await nb.finalise(runId, [], (f) => job.updateProgress(0.05 + 0.95 * f));
      return batchJobResult(record);
    }
    const node = await addRound(runId, 0, jobs, []);
    let parent: Job = node.job;
    let size = jobs.length;
    log.info({ batch: runId, jobs: jobs.length }, 'batch fanned out');
    // Wait for the last round's finalise step, showing the share of finished children as progress.
    for (;;) {
      const state = await parent.getState();
      if (state === 'completed') {
        const done = await batchQueue.getJob(parent.id!);
        const continued = (done?.returnvalue as { continued?: string } | undefined)?.continued;
        const next = continued ? await batchQueue.getJob(continued) : undefined;
        if (!continued) return done?.returnvalue;
        if (!next) throw new Error(`batch ${runId}: fallback round ${continued} is gone`);
        parent = next;
        size = Math.max(1, Object.keys(await parent.getDependencies()).length);
        continue;
      }
      if (state === 'failed') {
        const done = await batchQueue.getJob(parent.id!);
        throw new Error(done?.failedReason ?? `batch ${runId}: finalise failed`);
      }
      const c = await parent.getDependenciesCount();
      const finished = (c.processed ?? 0) + (c.ignored ?? 0) + (c.failed ?? 0);
      await job.updateProgress(Math.min(0.9, Math.round((0.05 + (0.85 * finished) / size) * 100) / 100));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  // Two slots: a batch job waits for its finalise job on the same queue. NightlyBatch's lock keeps a
  // second batch from planning while one runs.
  const worker = new Worker(
    QUEUES.batch,
    (job: Job) => (job.name === FINALISE ? finalise(job) : batch(job)),
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: 2,
      removeOnComplete: retention,
      removeOnFail: retention,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
    },
  );
  worker.on('error', (err) => log.error({ queue: QUEUES.batch, err: err.message }, 'worker error'));
  worker.on('failed', (job, err) =>
    log.warn({ queue: QUEUES.batch, job: job?.id, err: err.message }, 'batch failed'),
  );
  worker.on('closing', () => {
    void flow.close();
    void batchQueue.close();
  });
  return worker;
}

/** At worker start: register the nightly scheduler (idempotent; every worker may do it). Returns a closer. */
export async function startBatchScheduler(config: EppConfig, log: pino.Logger): Promise<() => Promise<void>> {
  const queue = new Queue(QUEUES.batch, {
    connection: { url: config.redisUrl, maxRetriesPerRequest: null },
    prefix: config.queuePrefix,
  });
  queue.on('error', (err) => log.error({ err: err.message }, 'batch scheduler queue error'));
  try {
    await upsertBatchScheduler(queue, config);
    log.info({ cron: config.batchCron, tz: 'UTC' }, 'nightly batch scheduled');
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not register the nightly batch scheduler');
  }
  return () => queue.close();
}
