/**
 * The one processor: maps a queue name and payload to the library call. BullMQ's sandboxed processor
 * files and the embedded in-process queue both call this, so the two modes run the same code.
 */
import type { TfBackendName } from '../contracts/config.js';
import { InvalidArgumentError } from '../contracts/errors.js';
import type { ForecastJobPayload, ProgressFn, QueueName, TrainJobPayload } from '../contracts/jobs.js';
import { runForecastJob } from '../pipeline/forecast.js';
import { runTrainJob } from '../pipeline/forecast-train.js';

export interface RunContext {
  dataDir: string;
  onProgress: ProgressFn;
  signal?: AbortSignal;
  tfBackend?: TfBackendName;
  tfThreads?: number;
  /** Extra time before the heavy step (EPP_JOB_DELAY_MS; for fault tests and demos). */
  delayMs?: number;
}

async function delay(ctx: RunContext): Promise<void> {
  const steps = 10;
  for (let i = 1; i <= steps && ctx.delayMs; i++) {
    await new Promise((r) => setTimeout(r, ctx.delayMs! / steps));
    await ctx.onProgress((0.02 * i) / steps, 'waiting');
  }
}

export async function runJob(queue: QueueName, data: unknown, ctx: RunContext): Promise<unknown> {
  if (!data || typeof data !== 'object')
    throw new InvalidArgumentError(`${queue} job payload is not an object`);
  await delay(ctx);
  switch (queue) {
    case 'forecast':
      return runForecastJob(data as ForecastJobPayload, ctx);
    case 'train':
      return runTrainJob(data as TrainJobPayload, ctx);
    default:
      throw new InvalidArgumentError(`unknown queue ${String(queue)}`);
  }
}
