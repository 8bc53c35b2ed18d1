/**
 * Training jobs (queue `train`): validate the request, select the tensor backend, then run the model
 * library's training pipeline (`trainModel`, libs/pipeline/train/model.ts) into `<dataDir>/models/<id>`.
 * The data folder and the output folder arrive absolute and confined (libs/service/job-paths.ts).
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import {
  isModelId,
  type ProgressFn,
  type TrainJobPayload,
  type TrainJobResult,
} from '../../contracts/jobs.js';
import type { TfBackendName } from '../../contracts/config.js';

export async function runTrainJob(
  payload: TrainJobPayload,
  paths: { data: string; outDir: string },
  ctx: {
    onProgress: ProgressFn;
    signal?: AbortSignal;
    tfBackend?: TfBackendName;
    tfThreads?: number;
  },
): Promise<TrainJobResult> {
  if (!isModelId(payload.model)) throw new InvalidArgumentError('model must be a model id like "default"');
  const { data, outDir } = paths;
  const o = payload.options;
  const task = (o.task ?? 'mixed') as 'bc' | 'uq' | 'mixed';
  if (!['bc', 'uq', 'mixed'].includes(task))
    throw new InvalidArgumentError('options.task must be bc, uq or mixed');
  const epochs = Number(o.epochs ?? 10);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000)
    throw new InvalidArgumentError('options.epochs must be an integer in [1, 1000]');
  // Loaded lazily: tfjs and the model code stay out of processes that never train.
  const { selectBackend } = await import('../../model/backend.js');
  const { trainModel } = await import('./model.js');
  await selectBackend(ctx.tfBackend ?? 'auto', { threads: ctx.tfThreads });
  await ctx.onProgress(0.01, 'training');
  const r = await trainModel({
    dataDir: data,
    outDir,
    task,
    epochs,
    ...(o.members !== undefined ? { config: { members: Number(o.members) } } : {}),
    onProgress: (p) => {
      if (p.epoch !== undefined && p.epochs) void ctx.onProgress(Math.min(0.99, p.epoch / p.epochs), p.phase);
    },
  });
  return {
    model: payload.model,
    path: `models/${payload.model}`,
    metrics: { val: r.val, seconds: r.seconds },
  };
}
