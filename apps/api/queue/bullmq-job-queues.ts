/** BullMQ on Redis: the API only produces jobs and reads their state; worker processes run them. */
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EppConfig } from '../../../libs/contracts/config.js';
import {
  decodeJobError,
  cancelChannel,
  queueOfJobId,
  QUEUES,
  type JobState,
  type JobView,
  type QueueName,
} from '../../../libs/contracts/jobs.js';
import { EppError } from '../../../libs/contracts/errors.js';
import { CONFIG } from '../tokens.js';
import { ConflictError, QueueUnavailableError } from '../../../libs/service/errors.js';

/** How long DELETE /v1/jobs/:id waits for a worker to stop a running job before it answers 409. */
const CANCEL_WAIT_MS = 10_000;
import { discardJobOutputs } from '../../../libs/service/job-outputs.js';
import {
  JobQueues,
  publicView,
  type JobFilter,
  type JobPage,
  type QueueCounts,
  type QueueHealth,
  type WorkerInfo,
} from './job-queues.js';

/** How long a queue operation may wait for Redis before the API answers 503. */
const REDIS_TIMEOUT_MS = 3000;

const BULL_STATES: Record<
  Exclude<JobState, 'cancelled'>,
  ('waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed')[]
> = {
  queued: ['waiting', 'prioritized', 'delayed'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

@Injectable()
export class BullJobQueues extends JobQueues {
  readonly mode = 'redis' as const;
  private readonly queues: Record<QueueName, Queue>;
  private readonly redis: Redis;
  private events: QueueEvents[] = [];
  private ownReport?: Queue;

  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    @InjectQueue(QUEUES.forecast) forecast: Queue,
    @InjectQueue(QUEUES.train) train: Queue,
    @InjectQueue(QUEUES.batch) batch: Queue,
    // Optional so code that builds this class by hand with the first three queues keeps working.
    @Optional() @InjectQueue(QUEUES.report) report?: Queue,
  ) {
    super();
    if (!report) {
      report = this.ownReport = new Queue(QUEUES.report, {
        connection: { url: config.redisUrl, enableOfflineQueue: false },
        prefix: config.queuePrefix,
      });
    }
    this.queues = { forecast, train, batch, report };
    for (const q of Object.values(this.queues)) q.on('error', () => undefined);
    this.redis = new Redis(config.redisUrl!, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.redis.on('error', () => undefined);
  }

  /** Run a Redis operation; an unreachable or silent Redis becomes QueueUnavailableError (503 + Retry-After). */
  private async redisOp<T>(what: string, op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([op(), timeout]);
    } catch (err) {
      if (err instanceof EppError) throw err;
      throw new QueueUnavailableError(
        `the job queue is unavailable (${what}: ${err instanceof Error ? err.message : String(err)}); try again shortly`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  submit(queue: QueueName, id: string, data: unknown): Promise<{ view: JobView; created: boolean }> {
    return this.redisOp('submit', () => this.add(queue, id, data));
  }

  private async add(
    queue: QueueName,
    id: string,
    data: unknown,
  ): Promise<{ view: JobView; created: boolean }> {
    const q = this.queues[queue];
    const existing = await this.find(id);
    if (existing) return { view: existing, created: false };
    const job = await q.add(queue, data, {
      jobId: id,
      attempts: this.config.jobAttempts,
      backoff: { type: 'exponential', delay: this.config.retryDelayMs },
      removeOnComplete: { age: this.config.jobRetentionS },
      removeOnFail: { age: this.config.jobRetentionS },
    });
    this.emitSubmitted(queue);
    // Just added: waiting (a worker may have taken it since; the next read says so). No state round trip.
    return { view: this.view(queue, job, 'waiting'), created: true };
  }

  get(id: string): Promise<JobView | null> {
    return this.redisOp('read job', () => this.find(id));
  }

  private async find(id: string): Promise<JobView | null> {
    const queue = queueOfJobId(id);
    if (!queue) return null;
    // State first, then the job hash: a job that completes in between shows its older state with its
    // newer data, never "completed" without its result.
    const raw = await this.queues[queue].getJobState(id);
    if (raw === 'unknown') return null;
    const job = await this.queues[queue].getJob(id);
    return job ? this.view(queue, job, raw) : null;
  }

  private view(queue: QueueName, job: Job, raw: string): JobView {
    const state: JobState =
      raw === 'active'
        ? 'active'
        : raw === 'completed'
          ? 'completed'
          : raw === 'failed'
            ? 'failed'
            : 'queued';
    const iso = (t?: number | null) => (t ? new Date(t).toISOString() : null);
    return publicView(
      {
        id: job.id!,
        type: queue,
        state,
        progress: state === 'completed' ? 1 : typeof job.progress === 'number' ? job.progress : 0,
        // Runs started, counting a run cut short by a dead worker (attemptsMade counts only failed runs).
        attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade),
        createdAt: new Date(job.timestamp).toISOString(),
        startedAt: iso(job.processedOn),
        finishedAt: state === 'completed' || state === 'failed' ? iso(job.finishedOn) : null,
        error: state === 'failed' ? decodeJobError(job.failedReason) : null,
        result: state === 'completed' ? (job.returnvalue as unknown) : null,
      },
      this.config.dataDir,
    );
  }

  list(filter: JobFilter): Promise<JobPage> {
    return this.redisOp('list jobs', () => this.listAll(filter));
  }

  private async listAll(filter: JobFilter): Promise<JobPage> {
    // Cancelled jobs are removed from Redis at once, so none are listed here.
    if (filter.state === 'cancelled') return { jobs: [], total: 0 };
    const states = filter.state ? [filter.state] : (Object.keys(BULL_STATES) as (keyof typeof BULL_STATES)[]);
    const queues = filter.queue ? [filter.queue] : (Object.keys(this.queues) as QueueName[]);
    const views: JobView[] = [];
    let total = 0;
    const want = filter.offset + filter.limit;
    for (const queue of queues)
      for (const state of states) {
        const q = this.queues[queue];
        const types = BULL_STATES[state];
        const counts = await q.getJobCounts(...types);
        total += types.reduce((a, t) => a + (counts[t] ?? 0), 0);
        for (const job of await q.getJobs(types, 0, want - 1))
          if (job) views.push(this.view(queue, job, state));
      }
    views.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return { jobs: views.slice(filter.offset, want), total };
  }

  async remove(id: string): Promise<'cancelled' | 'deleted'> {
    const queue = queueOfJobId(id)!;
    const job = await this.redisOp('remove job', () => this.queues[queue].getJob(id));
    if (!job) throw new ConflictError(`job ${id} is gone`);
    let state = await this.redisOp('remove job', () => job.getState());
    let cancelledRunning = false;
    if (state === 'active') {
      // Batch runs are flows run inside the worker process, not in a sandboxed child: they cannot be aborted.
      if (queue === 'batch')
        throw new ConflictError(`batch ${id} is running; a running batch cannot be cancelled (its jobs can)`);
      // Ask the worker that runs it to abort it (workers/postprocess/cancel.ts), then wait until it has;
      // each Redis call has its own time limit, the wait has CANCEL_WAIT_MS.
      await this.redisOp('cancel job', () => this.redis.publish(cancelChannel(this.config.queuePrefix), id));
      const deadline = Date.now() + CANCEL_WAIT_MS;
      while (state === 'active' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        state = await this.redisOp('cancel job', () => job.getState());
      }
      if (state === 'active')
        throw new ConflictError(
          `job ${id} is running and its worker did not stop it within ${CANCEL_WAIT_MS / 1000} s (a worker of an older version, or one too busy to answer): try again`,
        );
      cancelledRunning = state !== 'completed';
    }
    return this.redisOp('remove job', async () => {
      const latest = (await this.queues[queue].getJob(id)) ?? job;
      await latest.remove();
      const finished = !cancelledRunning && (state === 'completed' || state === 'failed');
      discardJobOutputs(this.config.dataDir, id, latest.data);
      return finished ? ('deleted' as const) : ('cancelled' as const);
    });
  }

  counts(): Promise<QueueCounts> {
    return this.redisOp('count jobs', () => this.countAll());
  }

  private async countAll(): Promise<QueueCounts> {
    const one = async (q: Queue) => {
      const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
      return {
        queued: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
        delayed: c.delayed ?? 0,
        active: c.active ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
        cancelled: 0,
      };
    };
    return {
      forecast: await one(this.queues.forecast),
      train: await one(this.queues.train),
      batch: await one(this.queues.batch),
      report: await one(this.queues.report),
    };
  }

  async health(): Promise<QueueHealth> {
    const up = await Promise.race([
      this.redis.ping().then(
        (r) => r === 'PONG',
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
    ]);
    if (!up) return { mode: 'redis', redis: 'down', workers: [] };
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.config.queuePrefix}:epp:workers:*`,
        'COUNT',
        200,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0' && keys.length < 1000);
    const values = keys.length ? await this.redis.mget(...keys) : [];
    const workers = values.filter((v): v is string => !!v).map((v) => JSON.parse(v) as WorkerInfo);
    return { mode: 'redis', redis: 'up', workers };
  }

  onFinished(cb: (view: JobView) => void): void {
    for (const queue of Object.values(QUEUES)) {
      const ev = new QueueEvents(queue, {
        connection: { url: this.config.redisUrl, maxRetriesPerRequest: null },
        prefix: this.config.queuePrefix,
      });
      ev.on('error', () => undefined);
      // The event gives the final state: only the job hash is read (one round trip, not two).
      const emit =
        (state: 'completed' | 'failed') =>
        ({ jobId }: { jobId: string }) => {
          void this.redisOp('read job', () => this.queues[queue].getJob(jobId))
            .then((job) => job && cb(this.view(queue, job, state)))
            .catch(() => undefined);
        };
      ev.on('completed', emit('completed'));
      ev.on('failed', emit('failed'));
      this.events.push(ev);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
    await this.ownReport?.close();
    this.redis.disconnect();
  }
}
