/**
 * The batch's jobs through the embedded in-process queue (the same queue, contracts and runner as API
 * jobs): every job is submitted under its deterministic id and the executor waits for each to finish.
 */
import type { BatchJobPayload, ForecastJobResult } from '../contracts/jobs.js';
import type { InProcessQueue, JobRunner } from './in-process-queue.js';
import {
  batchJobResult,
  NightlyBatch,
  outcomeOf,
  type BatchExecutor,
  type JobOutcome,
} from '../pipeline/batch/index.js';

export function inProcessExecutor(queue: InProcessQueue): BatchExecutor {
  return (jobs, onJobDone) =>
    new Promise<JobOutcome[]>((resolve) => {
      const pending = new Set(jobs.map((j) => j.payload.id));
      const out: JobOutcome[] = [];
      const settle = (id: string) => {
        if (!pending.has(id)) return;
        const v = queue.get(id);
        if (!v || (v.state !== 'completed' && v.state !== 'failed')) return;
        pending.delete(id);
        out.push(
          v.state === 'completed'
            ? outcomeOf(id, v.result as ForecastJobResult)
            : { id, ok: false, error: v.error ?? { code: 'INTERNAL', message: 'job failed' } },
        );
        void onJobDone(out.length, jobs.length);
        if (pending.size === 0) {
          queue.off('completed', settle);
          queue.off('failed', settle);
          resolve(out);
        }
      };
      queue.on('completed', settle);
      queue.on('failed', settle);
      for (const j of jobs) queue.add(j.payload.id, j.payload);
      for (const j of jobs) settle(j.payload.id); // ids that had already finished
    });
}

/**
 * The embedded queue's runner for `batch` jobs: one NightlyBatch whose post-processing jobs go through the
 * embedded `forecast` queue. The batch job's id is the run id.
 */
export function inProcessBatchRunner(dataDir: string, forecastQueue: InProcessQueue): JobRunner {
  return async (_queue, data, ctx) => {
    const p = (data ?? {}) as BatchJobPayload;
    const record = await new NightlyBatch({ dataDir }).run(inProcessExecutor(forecastQueue), {
      ...(p.id ? { id: p.id } : {}),
      ...(p.date ? { date: p.date } : {}),
      trigger: p.trigger ?? 'embedded',
      onProgress: ctx.onProgress,
    });
    return batchJobResult(record);
  };
}
