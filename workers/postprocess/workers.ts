/**
 * The BullMQ workers of one worker process: one per queue, each running its sandboxed processor file in
 * child processes (CPU-heavy work never blocks lock renewal), with the configured concurrency, retention,
 * lock duration and stalled-job check.
 */
import { existsSync } from 'node:fs';
import { Worker, type Job } from 'bullmq';
import type pino from 'pino';
import type { EppConfig } from '../../libs/contracts/config.js';
import { QUEUES } from '../../libs/contracts/jobs.js';
import { createBatchWorker } from './batch.worker.js';
import { jobProcessExecArgv } from '../../libs/service/job-process.js';
import { processorFile } from './processor-file.js';

export { processorFile };

export function createWorkers(config: EppConfig, log: pino.Logger): Worker[] {
  // A queue gets a worker once its sandboxed processor file is part of the build.
  const queues = Object.values(QUEUES).filter((queue) => {
    // The batch queue runs in this process (batch.worker.ts), not from a sandboxed processor file.
    const ok = queue === QUEUES.batch || existsSync(processorFile(queue));
    if (!ok) log.warn({ queue, file: processorFile(queue) }, 'no processor for this queue: not consuming it');
    return ok;
  });
  return queues.map((queue) => {
    if (queue === QUEUES.batch) return createBatchWorker({ config, log });
    const worker = new Worker(queue, processorFile(queue), {
      connection: { url: config.redisUrl, maxRetriesPerRequest: null },
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      removeOnComplete: { age: config.jobRetentionS },
      removeOnFail: { age: config.jobRetentionS },
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: 2,
      // The sandboxed children get the job process's V8 options (libs/service/job-process.ts).
      workerForkOptions: { execArgv: jobProcessExecArgv() },
    });
    worker.on('error', (err) => log.error({ queue, err: err.message }, 'worker error'));
    worker.on('active', (job: Job) => log.debug({ queue, job: job.id }, 'job started'));
    worker.on('completed', (job: Job) =>
      log.info({ queue, job: job.id, ms: (job.finishedOn ?? 0) - (job.processedOn ?? 0) }, 'job completed'),
    );
    worker.on('failed', (job: Job | undefined, err: Error) =>
      log.warn({ queue, job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    worker.on('stalled', (id: string) => log.warn({ queue, job: id }, 'job stalled; returned to the queue'));
    return worker;
  });
}
