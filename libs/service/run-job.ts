/**
 * The one processor: maps a queue name and payload to the library call. BullMQ's sandboxed processor
 * files and the embedded in-process queue both call this, so the two modes run the same code.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { ForecastJobPayload, ProgressFn, QueueName, TrainJobPayload } from '../contracts/jobs.js';
import { runForecastJob } from '../pipeline/forecast.js';
import { runTrainJob } from '../pipeline/forecast-train.js';

export interface RunContext {
  dataDir: string;
  onProgress: ProgressFn;
  signal?: AbortSignal;
}

export async function runJob(queue: QueueName, data: unknown, ctx: RunContext): Promise<unknown> {
  if (!data || typeof data !== 'object')
    throw new InvalidArgumentError(`${queue} job payload is not an object`);
  switch (queue) {
    case 'forecast':
      return runForecastJob(data as ForecastJobPayload, ctx);
    case 'train':
      return runTrainJob(data as TrainJobPayload, ctx);
    default:
      throw new InvalidArgumentError(`unknown queue ${String(queue)}`);
  }
}
