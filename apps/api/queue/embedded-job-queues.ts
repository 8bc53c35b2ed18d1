/**
 * The embedded mode: the same job contracts and the same runner (`runJob`, through the BullMQ sandboxed
 * processor files in forked job processes unless EPP_EMBEDDED_JOBS=inline), in this process. Job
 * records are kept under `<dataDir>/jobs/` and survive restarts.
 */
import os from 'node:os';
import path from 'node:path';
import type { EppConfig } from '../../../libs/contracts/config.js';
import {
  jobIdFor,
  QUEUES,
  type BatchJobPayload,
  type JobView,
  type QueueName,
  queueOfJobId,
} from '../../../libs/contracts/jobs.js';
import { inProcessBatchRunner } from '../../../libs/service/batch-in-process.js';
import { InProcessQueue, type JobRunner } from '../../../libs/service/in-process-queue.js';
import { discardJobOutputs } from '../../../libs/service/job-outputs.js';
import { FileJobStore } from '../../../libs/service/job-store.js';
import { runJob } from '../../../libs/service/run-job.js';
import { ChildJobRunner } from './child-runner.js';
import { EmbeddedCron } from './embedded-cron.js';
import {
  JobQueues,
  publicView,
  type JobFilter,
  type JobPage,
  type QueueCounts,
  type QueueHealth,
} from './job-queues.js';

export class EmbeddedJobQueues extends JobQueues {
  readonly mode = 'embedded' as const;
  private readonly queues: Record<QueueName, InProcessQueue>;
  private readonly runners: ChildJobRunner[] = [];
  /** The nightly batch at EPP_BATCH_CRON (UTC), as BullMQ's job scheduler does it in the Redis mode. */
  readonly batchCron: EmbeddedCron;

  constructor(private readonly config: EppConfig) {
    super();
    const store = new FileJobStore(path.join(config.dataDir, 'jobs'));
    const discard = (id: string, data: unknown) => discardJobOutputs(config.dataDir, id, data);
    const runner = (): JobRunner => {
      if (config.embeddedJobs === 'inline')
        return (queue, data, ctx) =>
          runJob(queue, data, {
            dataDir: config.dataDir,
            delayMs: config.jobDelayMs,
            tfBackend: config.tfBackend,
            tfThreads: config.tfThreads,
            ...ctx,
          });
      const children = new ChildJobRunner(config, config.workerConcurrency);
      this.runners.push(children);
      return (queue, data, ctx) => children.run(queue, ctx.id, data, ctx);
    };
    const make = (name: QueueName) =>
      new InProcessQueue({
        name,
        concurrency: config.workerConcurrency,
        attempts: config.jobAttempts,
        backoffMs: config.retryDelayMs,
        retentionMs: config.jobRetentionS * 1000,
        run: runner(),
        store,
        discard,
      });
    const forecast = make(QUEUES.forecast);
    // Nightly batches run one at a time; their post-processing jobs go through the forecast queue above.
    const batch = new InProcessQueue({
      name: QUEUES.batch,
      concurrency: 1,
      attempts: 1,
      backoffMs: config.retryDelayMs,
      retentionMs: config.jobRetentionS * 1000,
      run: inProcessBatchRunner(config.dataDir, forecast),
      store,
    });
    this.queues = { forecast, train: make(QUEUES.train), batch, report: make(QUEUES.report) };
    this.batchCron = new EmbeddedCron({
      cron: config.batchCron,
      onFire: (at) => {
        // One id per fire time: a fire is one batch, like a BullMQ scheduler job.
        const id = jobIdFor('batch', { trigger: 'schedule' }, at.toISOString());
        batch.add(id, { id, trigger: 'schedule' } satisfies BatchJobPayload);
      },
    });
    this.batchCron.start();
  }

  submit(queue: QueueName, id: string, data: unknown): Promise<{ view: JobView; created: boolean }> {
    const r = this.queues[queue].add(id, data);
    if (r.created) this.emitSubmitted(queue);
    return Promise.resolve(r);
  }

  get(id: string): Promise<JobView | null> {
    const q = queueOfJobId(id);
    const view = q ? this.queues[q].get(id) : null;
    return Promise.resolve(view && publicView(view, this.config.dataDir));
  }

  list(filter: JobFilter): Promise<JobPage> {
    const names = filter.queue ? [filter.queue] : (Object.keys(this.queues) as QueueName[]);
    const all = names
      .flatMap((n) => this.queues[n].list().map((v) => publicView(v, this.config.dataDir)))
      .filter((v) => !filter.state || v.state === filter.state)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return Promise.resolve({
      jobs: all.slice(filter.offset, filter.offset + filter.limit),
      total: all.length,
    });
  }

  async remove(id: string): Promise<'cancelled' | 'deleted'> {
    const q = queueOfJobId(id);
    const outcome = q ? await this.queues[q].remove(id) : null;
    if (!outcome) throw new Error(`no job ${id}`);
    return outcome;
  }

  counts(): Promise<QueueCounts> {
    const c = (q: QueueName) => ({ ...this.queues[q].counts(), delayed: 0 });
    return Promise.resolve({
      forecast: c('forecast'),
      train: c('train'),
      batch: c('batch'),
      report: c('report'),
    });
  }

  health(): Promise<QueueHealth> {
    return Promise.resolve({
      mode: 'embedded',
      redis: 'not used',
      workers: [
        {
          id: `embedded:${os.hostname()}:${process.pid}`,
          host: os.hostname(),
          pid: process.pid,
          lastSeen: new Date().toISOString(),
          queues: Object.keys(this.queues),
          concurrency: this.config.workerConcurrency,
          tfBackend: this.config.tfBackend,
        },
      ],
    });
  }

  onFinished(cb: (view: JobView) => void): void {
    for (const q of Object.values(this.queues)) {
      const emit = (id: string) => {
        const v = q.get(id);
        if (v) cb(v);
      };
      q.on('completed', emit);
      q.on('failed', emit);
      q.on('cancelled', emit);
    }
  }

  /** Every progress report of every job, as it happens (a poller can miss short-lived values). */
  onProgress(cb: (id: string, progress: number) => void): void {
    for (const q of Object.values(this.queues)) q.on('progress', cb);
  }

  async close(): Promise<void> {
    this.batchCron.stop();
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
    for (const r of this.runners) r.close();
  }
}
