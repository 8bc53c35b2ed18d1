/**
 * Glue between a BullMQ sandboxed job and the shared runner: progress goes to `job.updateProgress`, and
 * permanent EppErrors become `UnrecoverableError` (by name, since errors cross the process boundary as
 * JSON) so BullMQ fails them at once instead of retrying input that can never succeed.
 */
import { loadConfig } from '../../libs/contracts/config.js';
import { EppError } from '../../libs/contracts/errors.js';
import { encodeJobError, type QueueName } from '../../libs/contracts/jobs.js';
import { throttleProgress } from '../../libs/service/progress.js';
import { runJob } from '../../libs/service/run-job.js';

/** The slice of BullMQ's SandboxedJob the processors use. */
export interface SandboxJob {
  id?: string;
  data: unknown;
  updateProgress(value: number): Promise<void>;
}

// A sandboxed child is its own process: it reads the environment once, here, at its start-up.
const config = loadConfig();

/** At most one progress report per this many ms of a job (libs/service/progress.ts says why). */
export const PROGRESS_MIN_MS = 250;

/**
 * A worker killed with SIGKILL cannot stop its sandboxed children, and BullMQ's child does not notice:
 * it would go on running the job (and holding memory) as an orphan while another worker retries it. So
 * the child leaves when its parent does: the IPC channel to the worker closes ('disconnect'), and as a
 * second sign its parent pid changes (re-parented to init). Checked whenever the event loop is free.
 */
export function exitWithParent(poll = 500): void {
  const parent = process.ppid;
  const leave = () => process.exit(1);
  process.once('disconnect', leave);
  setInterval(() => {
    if (process.ppid !== parent) leave();
  }, poll).unref();
}
if (process.send) exitWithParent();

/**
 * A job cancelled through the API (DELETE /v1/jobs/:id → Redis → Worker.cancelJob → this child's abort
 * signal): fail it at once as unrecoverable (no retry), then end this child process shortly after the
 * failure has been sent, so the abandoned computation cannot go on and write outputs later (BullMQ's child
 * pool forks a fresh child for the next job).
 */
function cancelled(signal: AbortSignal | undefined, id: string | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    const fail = () => {
      const err = new Error(encodeJobError('CANCELLED', `job ${id ?? ''} was cancelled while running`));
      err.name = 'UnrecoverableError';
      reject(err);
      if (process.send) setTimeout(() => process.exit(0), 500);
    };
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export async function processSandboxed(
  queue: QueueName,
  job: SandboxJob,
  signal?: AbortSignal,
): Promise<unknown> {
  const progress = throttleProgress((f) => job.updateProgress(f), PROGRESS_MIN_MS);
  const stop = cancelled(signal, job.id);
  stop.catch(() => undefined);
  try {
    return await Promise.race([stop, run()]);
  } catch (err) {
    if (err instanceof Error && err.name === 'UnrecoverableError' && /^CANCELLED: /.test(err.message))
      throw err;
    const e = err instanceof EppError ? err : null;
    const wrapped = new Error(
      encodeJobError(e ? e.code : 'INTERNAL', err instanceof Error ? err.message : String(err)),
    );
    if (e?.permanent) wrapped.name = 'UnrecoverableError';
    throw wrapped;
  } finally {
    progress.stop();
  }

  function run(): Promise<unknown> {
    return runJob(queue, job.data, {
      signal,
      dataDir: config.dataDir,
      delayMs: config.jobDelayMs,
      tfBackend: config.tfBackend,
      tfThreads: config.tfThreads,
      onProgress: (f) => progress.update(f),
    });
  }
}
