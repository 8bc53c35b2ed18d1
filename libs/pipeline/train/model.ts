/**
 * `epp train`: fit the mixed model on a testbed archive. Stages (task `mixed`): BC on MSE, then UQ on the
 * Gaussian CRPS with BC frozen, then optional end-to-end fine-tuning on CRPS. Normalisation from the training
 * years only; early stopping on the validation split (BC: RMSE of μ; UQ/mixed: CRPS); the best weights of
 * each stage are kept; a checkpoint (model folder + state.json) after every epoch allows `--resume`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { BackendName } from '../../model/backend.js';
import { lcnLayer } from '../../model/bcNet.js';
import { resolveModelConfig, type ModelConfig } from '../../model/config.js';
import type { RawSample } from '../../model/features.js';
import { loadModelFolder, saveModelFolder } from '../../model/folder.js';
import { MixedModel } from '../../model/mixedModel.js';
import { NormalizationFitter } from '../../model/normalization.js';
import { TensorThreadPool } from '../../model/parallel/pool.js';
import { ParallelStageTrainer } from '../../model/parallel/stageTrainer.js';
import { mulberry32 } from '../../model/seededRandom.js';
import { addValidationSums, validationScores, type ValidationSums } from '../../model/stageLoss.js';
import { archiveGrid, indexArchive, type ArchiveIndex } from '../dataset/index.js';
import { batchesOf, splitInits, streamSamples, type ArchiveInit } from '../dataset/index.js';
import { StageTrainer, type TrainStage, type ValidationScores } from './steps.js';

export interface TrainOptions {
  dataDir: string;
  outDir: string;
  task: 'bc' | 'uq' | 'mixed';
  config?: Partial<ModelConfig>;
  /** Max epochs of the BC and UQ stages. */
  epochs: number;
  /** Epochs of end-to-end fine-tuning after the UQ stage (task mixed); 0 = none. */
  fineTuneEpochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Per-epoch factor on the learning rate within each stage (1 = constant; default 0.7). */
  learningRateDecay?: number;
  /** Early stopping: epochs without validation improvement before a stage stops. */
  patience?: number;
  resume?: boolean;
  /** Use at most this many training samples (quick runs); all by default. */
  maxTrainSamples?: number;
  seed?: number;
  /**
   * Tensor threads (libs/model/parallel): > 1 splits each batch over that many worker threads (data parallel,
   * synchronised batch norm; the same result as 1 thread within float tolerance). Default 1: one tensor thread on
   * wasm (the same code, one shard), this thread on the other backends.
   */
  threads?: number;
  /**
   * LCN bias initialisation: `zero` (paper) or `mean-residual` — the training-mean of (truth − subset mean)
   * per grid point, i.e. start from a point-by-point bias correction (saves epochs on a CPU).
   */
  lcnBiasInit?: 'zero' | 'mean-residual';
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainProgress {
  phase: 'load' | 'train' | 'validate' | 'save';
  stage?: TrainStage;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  valCrps?: number;
  message?: string;
}

interface TrainState {
  stageIndex: number;
  epoch: number;
  best: number;
  badEpochs: number;
  history: { stage: TrainStage; epoch: number; loss: number; val: ValidationScores }[];
}

export interface TrainResult {
  outDir: string;
  history: TrainState['history'];
  val: ValidationScores;
  trainSamples: number;
  valSamples: number;
  seconds: number;
}

/** Seeded Fisher–Yates shuffle (mulberry32). */
function shuffled<T>(xs: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Training mean of (truth − subset mean)/s_t on the padded grid, [H, W, T]; one streamed pass. */
async function meanResidualMap(
  model: MixedModel,
  index: ArchiveIndex,
  train: ArchiveInit[],
  cfg: ModelConfig,
): Promise<Float32Array> {
  const e = model.encoder;
  const { ny, nx } = model.grid;
  const T = e.targets;
  const acc = new Float64Array(ny * nx * T);
  for await (const s of streamSamples(index, train, cfg)) {
    const r = e.residualTarget([s.raw]);
    for (let k = 0; k < acc.length; k++) acc[k] += r[k];
  }
  const out = new Float32Array(e.padding.height * e.padding.width * T);
  for (let t = 0; t < T; t++) {
    const f = new Float32Array(ny * nx);
    for (let k = 0; k < ny * nx; k++) f[k] = acc[k * T + t] / train.length;
    e.padding.writeChannel(out, T, t, f);
  }
  return out;
}

/** Samples validated at a time (streamed in chunks: memory holds one chunk, not the split). */
const VALIDATION_CHUNK = 16;

/** Validation scores of a split streamed from disk in chunks (sums added, then scored). */
async function validateStreamed(
  trainer: { validationSums(s: RawSample[], b: number): Promise<ValidationSums> },
  model: MixedModel,
  index: ArchiveIndex,
  inits: ArchiveInit[],
  cfg: ModelConfig,
  batchSize: number,
): Promise<ValidationScores> {
  let total: ValidationSums | null = null;
  for await (const chunk of batchesOf(streamSamples(index, inits, cfg), VALIDATION_CHUNK)) {
    const sums = await trainer.validationSums(
      chunk.map((x) => x.raw),
      batchSize,
    );
    if (total) addValidationSums(total, sums);
    else total = sums;
  }
  return validationScores(total!, model.stats.targetScale);
}

function stagesOf(task: TrainOptions['task'], fineTune: number): TrainStage[] {
  if (task === 'bc') return ['bc'];
  if (task === 'uq') return ['uq'];
  return fineTune > 0 ? ['bc', 'uq', 'mixed'] : ['bc', 'uq'];
}

export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  if (!['bc', 'uq', 'mixed'].includes(o.task))
    throw new InvalidArgumentError(`--task must be bc, uq or mixed`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new InvalidArgumentError('--epochs must be ≥ 1');
  const t0 = Date.now();
  const cfg = resolveModelConfig(o.config);
  const batchSize = o.batchSize ?? 2;
  const lr = o.learningRate ?? 2e-3; // reference code: Adam, lr 5e-4 for up to 40 epochs; we run few epochs
  const decay = o.learningRateDecay ?? 0.7;
  if (!(decay > 0 && decay <= 1)) throw new InvalidArgumentError('--lr-decay must be in (0, 1]');
  const patience = o.patience ?? 3;
  const fineTune = o.fineTuneEpochs ?? 0;
  const seed = o.seed ?? 1;
  const progress = o.onProgress ?? (() => undefined);
  const threads = o.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256))
    throw new InvalidArgumentError(`--threads must be an integer in [1, 256], got ${threads}`);

  const index = await indexArchive(o.dataDir);
  const grid = await archiveGrid(index);
  // Samples are streamed from disk (libs/pipeline/dataset/stream.ts): only the initialisations are listed
  // here, so memory does not grow with the number of years.
  let train = splitInits(index, 'train');
  if (o.maxTrainSamples) train = train.slice(0, o.maxTrainSamples);
  const val = splitInits(index, 'val');

  const ckptDir = path.join(o.outDir, 'checkpoint');
  const statePath = path.join(ckptDir, 'state.json');
  let model: MixedModel;
  let state: TrainState = { stageIndex: 0, epoch: 0, best: Infinity, badEpochs: 0, history: [] };
  if (o.resume && existsSync(statePath)) {
    model = (await loadModelFolder(ckptDir)).model;
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainState;
  } else {
    // Normalisation statistics in one pass over the training years (DESIGN §2: training years only).
    const fit = new NormalizationFitter(grid.periodic);
    for await (const s of streamSamples(
      index,
      train,
      cfg,
      {},
      {
        onProgress: (done, total) =>
          progress({ phase: 'load', step: done, steps: total, message: 'normalisation (train)' }),
      },
    ))
      fit.add(s.raw);
    // The initial weights are a function of the seed (tfjs's initialisers draw from Math.random, seeded here).
    model = MixedModel.create(cfg, fit.finish(), grid, { seed });
    if (o.lcnBiasInit === 'mean-residual')
      lcnLayer(model.bc).setBias(await meanResidualMap(model, index, train, cfg));
  }
  const stages = stagesOf(o.task, fineTune);
  const trainingData = {
    dir: path.resolve(o.dataDir),
    fingerprint: index.fingerprint,
    // Provenance (libs/model/provenance.ts): testbed archives are synthetic; say so in every product.
    kind: index.manifest.generator === 'epp-testbed' ? 'synthetic testbed' : 'archive',
    preset: (index.manifest.preset as string | undefined) ?? null,
    generatorVersion: (index.manifest.version as string | undefined) ?? null,
    splits: index.manifest.splits ?? null,
    trainSamples: train.length,
    valSamples: val.length,
  };

  let bestWeights: tf.Tensor[] | null = null;
  const snapshot = () => [...model.bc.getWeights(), ...model.uq.getWeights()].map((w) => w.clone());
  const restore = (ws: tf.Tensor[]) => {
    const nb = model.bc.getWeights().length;
    model.bc.setWeights(ws.slice(0, nb));
    model.uq.setWeights(ws.slice(nb));
  };
  let lastVal: ValidationScores;
  let pool: TensorThreadPool | null = null;
  try {
    // On wasm one thread trains on the pool too: its synchronised batch norm (libs/model/parallel/syncBatchNorm.ts)
    // costs about half of tfjs-layers' per BC step (`npm run -s bench -- threads --threads 0,1,2`).
    if (threads > 1 || tf.getBackend() === 'wasm') {
      // The threads run the backend this thread selected (the caller chose it).
      pool = await TensorThreadPool.start({ threads, backend: tf.getBackend() as BackendName });
      await pool.loadModel(model);
    }
    // One line for the log: how many tensor threads really run (the backend line is the calling thread's).
    progress({
      phase: 'load',
      message: pool ? pool.describe() : `1 tensor thread (the calling thread), ${tf.getBackend()}`,
    });
    for (
      ;
      state.stageIndex < stages.length;
      state.stageIndex++, state.epoch = 0, state.best = Infinity, state.badEpochs = 0
    ) {
      const stage = stages[state.stageIndex];
      const stageLr = stage === 'mixed' ? lr / 5 : lr;
      const trainer = pool
        ? new ParallelStageTrainer(pool, model, { stage, learningRate: stageLr })
        : new StageTrainer(model, { stage, learningRate: stageLr });
      const epochs = stage === 'mixed' ? fineTune : o.epochs;
      bestWeights = snapshot();
      try {
        while (state.epoch < epochs && state.badEpochs < patience) {
          // Exponential step decay per epoch (a resumed run picks up the same schedule).
          trainer.setLearningRate(stageLr * decay ** state.epoch);
          // The same permutation as before streaming (shuffled over the initialisations), read in that order.
          const order = shuffled(train, seed * 1000 + state.stageIndex * 100 + state.epoch);
          const steps = Math.ceil(order.length / batchSize);
          let lossSum = 0;
          let s = 0;
          for await (const batch of batchesOf(streamSamples(index, order, cfg), batchSize)) {
            const loss = await trainer.step(batch.map((x) => x.raw));
            lossSum += loss;
            s++;
            progress({ phase: 'train', stage, epoch: state.epoch + 1, epochs, step: s, steps, loss });
          }
          progress({ phase: 'validate', stage, epoch: state.epoch + 1, epochs });
          const v = await validateStreamed(trainer, model, index, val, cfg, batchSize);
          const metric = stage === 'bc' ? v.rmseScaled : v.crpsScaled;
          state.history.push({ stage, epoch: state.epoch + 1, loss: lossSum / steps, val: v });
          if (metric < state.best) {
            state.best = metric;
            state.badEpochs = 0;
            tf.dispose(bestWeights);
            bestWeights = snapshot();
          } else state.badEpochs++;
          state.epoch++;
          progress({
            phase: 'train',
            stage,
            epoch: state.epoch,
            epochs,
            step: steps,
            steps,
            loss: lossSum / steps,
            valCrps: v.crpsScaled,
          });
          await saveModelFolder(ckptDir, model, { trainingData });
          await writeFile(statePath, JSON.stringify(state, null, 1));
        }
      } finally {
        trainer.dispose();
      }
      restore(bestWeights);
      tf.dispose(bestWeights);
      bestWeights = null;
    }
    progress({ phase: 'save', message: 'saving the model' });
    const finalTrainer = new StageTrainer(model, { stage: 'uq', learningRate: lr });
    const finalVal = await validateStreamed(finalTrainer, model, index, val, cfg, batchSize);
    finalTrainer.dispose();
    lastVal = finalVal;
    await mkdir(o.outDir, { recursive: true });
    await saveModelFolder(o.outDir, model, {
      trainingData,
      training: {
        task: o.task,
        stages,
        epochs: o.epochs,
        fineTuneEpochs: fineTune,
        batchSize,
        learningRate: lr,
        learningRateDecay: decay,
        patience,
        threads,
        seconds: (Date.now() - t0) / 1000,
        history: state.history,
        validation: finalVal,
      },
    });
    return {
      outDir: o.outDir,
      history: state.history,
      val: lastVal,
      trainSamples: train.length,
      valSamples: val.length,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await pool?.close();
    if (bestWeights) tf.dispose(bestWeights);
    model.dispose();
  }
}
