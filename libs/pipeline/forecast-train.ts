/**
 * Training jobs: validate the request, then hand over to the model library's training pipeline
 * (libs/pipeline/train.ts, owned by the model work). Until that module exists the job fails with a
 * typed MODEL_NOT_AVAILABLE error instead of pretending to train.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { isModelId, type ProgressFn, type TrainJobPayload, type TrainJobResult } from '../contracts/jobs.js';
import { resolveInRoot } from '../service/data-root.js';
import { ModelUnavailableError } from '../service/errors.js';

type TrainFn = (opts: {
  data: string;
  out: string;
  options: TrainJobPayload['options'];
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}) => Promise<{ metrics?: Record<string, unknown> } | void>;

export async function runTrainJob(
  payload: TrainJobPayload,
  ctx: { dataDir: string; onProgress: ProgressFn; signal?: AbortSignal },
): Promise<TrainJobResult> {
  if (!isModelId(payload.model)) throw new InvalidArgumentError('model must be a model id like "default"');
  const data = resolveInRoot(ctx.dataDir, payload.data, {});
  const out = resolveInRoot(ctx.dataDir, `models/${payload.model}`, {});
  const specifier = './train.js';
  let train: TrainFn | undefined;
  try {
    const mod = (await import(specifier)) as { trainForService?: TrainFn };
    train = mod.trainForService;
  } catch {
    train = undefined;
  }
  if (!train)
    throw new ModelUnavailableError(
      'training is not available in this build: the model pipeline (libs/pipeline/train.ts trainForService) is missing',
    );
  await ctx.onProgress(0.01, 'training');
  const r = await train({
    data,
    out,
    options: payload.options,
    onProgress: ctx.onProgress,
    signal: ctx.signal,
  });
  return { model: payload.model, path: `models/${payload.model}`, metrics: r ? r.metrics : undefined };
}
