/**
 * Training jobs (queue `train`): validate the options, select the tensor backend, then run the model
 * library's training pipeline (`trainModel`, libs/pipeline/train/model.ts) into a temporary folder under
 * `<dataDir>/models/<id>`, published as the model's next version when training succeeds (./store.ts); a
 * failed or cancelled run leaves no version and no temporary folder behind.
 * The data folder and the model folder arrive absolute and confined (libs/service/job-paths.ts).
 */
import { rmSync } from 'node:fs';
import { InvalidArgumentError } from '../../contracts/errors.js';
import {
  isModelId,
  type ProgressFn,
  type TrainJobPayload,
  type TrainJobResult,
} from '../../contracts/jobs.js';
import type { TfBackendName } from '../../contracts/config.js';
import { normaliseTrainOptions } from './options.js';
import { publishModelVersion, stagingDir } from './store.js';

export async function runTrainJob(
  payload: TrainJobPayload,
  paths: { data: string; modelDir: string },
  ctx: {
    onProgress: ProgressFn;
    signal?: AbortSignal;
    tfBackend?: TfBackendName;
    tfThreads?: number;
  },
): Promise<TrainJobResult> {
  if (!isModelId(payload.model)) throw new InvalidArgumentError('model must be a model id like "default"');
  const o = normaliseTrainOptions(payload.options);
  const { data, modelDir } = paths;
  const staged = stagingDir(modelDir, payload.id || `run-${process.pid}-${Date.now()}`);
  // Loaded lazily: tfjs and the model code stay out of processes that never train.
  const { selectBackend } = await import('../../model/backend.js');
  const { trainModel } = await import('./model.js');
  await selectBackend(ctx.tfBackend ?? 'auto', { threads: ctx.tfThreads });
  await ctx.onProgress(0.01, 'training');
  try {
    const r = await trainModel({
      dataDir: data,
      outDir: staged,
      task: o.task,
      epochs: o.epochs,
      ...(o.fineTuneEpochs !== undefined ? { fineTuneEpochs: o.fineTuneEpochs } : {}),
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.learningRateDecay !== undefined ? { learningRateDecay: o.learningRateDecay } : {}),
      ...(o.patience !== undefined ? { patience: o.patience } : {}),
      ...(o.maxTrainSamples !== undefined ? { maxTrainSamples: o.maxTrainSamples } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.lcnBiasInit !== undefined ? { lcnBiasInit: o.lcnBiasInit } : {}),
      ...(o.members !== undefined ? { config: { members: o.members } } : {}),
      onProgress: (p) => {
        if (p.epoch !== undefined && p.epochs)
          void ctx.onProgress(Math.min(0.99, p.epoch / p.epochs), p.phase);
      },
    });
    if (ctx.signal?.aborted) throw new InvalidArgumentError('training was cancelled');
    const version = publishModelVersion(modelDir, staged);
    return {
      model: payload.model,
      version,
      path: `models/${payload.model}/${version}`,
      metrics: { val: r.val, seconds: r.seconds },
    };
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}
