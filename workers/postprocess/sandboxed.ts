/**
 * Glue between a BullMQ sandboxed job and the shared runner: progress goes to `job.updateProgress`, and
 * permanent EppErrors become `UnrecoverableError` (by name, since errors cross the process boundary as
 * JSON) so BullMQ fails them at once instead of retrying input that can never succeed.
 */
import { loadConfig } from '../../libs/contracts/config.js';
import { EppError } from '../../libs/contracts/errors.js';
import { encodeJobError, type QueueName } from '../../libs/contracts/jobs.js';
import { runJob } from '../../libs/service/run-job.js';

/** The slice of BullMQ's SandboxedJob the processors use. */
export interface SandboxJob {
  id?: string;
  data: unknown;
  updateProgress(value: number): Promise<void>;
}

// A sandboxed child is its own process: it reads the environment once, here, at its start-up.
const config = loadConfig();

export async function processSandboxed(queue: QueueName, job: SandboxJob): Promise<unknown> {
  let last = -1;
  try {
    return await runJob(queue, job.data, {
      dataDir: config.dataDir,
      delayMs: config.jobDelayMs,
      tfBackend: config.tfBackend,
      tfThreads: config.tfThreads,
      onProgress: async (f) => {
        // Throttle: only whole-percent steps reach Redis.
        const pct = Math.round(f * 100);
        if (pct === last) return;
        last = pct;
        await job.updateProgress(pct / 100);
      },
    });
  } catch (err) {
    const e = err instanceof EppError ? err : null;
    const wrapped = new Error(
      encodeJobError(e ? e.code : 'INTERNAL', err instanceof Error ? err.message : String(err)),
    );
    if (e?.permanent) wrapped.name = 'UnrecoverableError';
    throw wrapped;
  }
}
