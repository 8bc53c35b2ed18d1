/**
 * Raw model inputs of one sample, derived from the subset members (DESIGN §2): BC = analysis at t0 and
 * subset mean at the target lead for every predictor; UQ = subset spread (std, ddof 0) and member 1 at
 * every lead for every predictor. Fields are [ny, nx] Float32Arrays on the unpadded grid.
 */
import { MismatchError } from '../contracts/errors.js';
import { predictorKeys, type ModelConfig } from './config.js';

/** What the model reads for one initialisation; members are the subset (first k) only. */
export interface ForecastInput {
  ny: number;
  nx: number;
  /** ens[lead][predictor] = Float32Array [k, ny, nx] (member-major), leads/predictors in config order. */
  ens: Float32Array[][];
  /** analysis[predictor] = [ny, nx] at t0 (truth at the initialisation time, or a stand-in: see postprocess). */
  analysis: Float32Array[];
  /** Truth at the target lead per target ([ny, nx]); only for training/evaluation. */
  truth?: Float32Array[];
}

export interface RawSample {
  ny: number;
  nx: number;
  /** BC channels: analysis of each predictor, then subset mean at the target lead of each predictor. */
  bc: Float32Array[];
  /** spread[lead · K + predictor]. */
  spread: Float32Array[];
  /** member1[lead · K + predictor]. */
  member1: Float32Array[];
  /** Per target: the subset mean and spread at the target lead (views of bc/spread) and the truth. */
  targetMean: Float32Array[];
  targetSpread: Float32Array[];
  truth?: Float32Array[];
}

/** Mean and population std (ddof 0) over members of a [k, n] block. Adds nothing, removes the member dim. */
export function memberMeanStd(
  block: Float32Array,
  k: number,
  n: number,
): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(n);
  const std = new Float32Array(n);
  // The loop lives in a function of its own: V8 compiles it on the spot (on-stack replacement) during the
  // first call, before the object literal after it has run, and that code then bailed out at the literal on
  // every later call (hundreds of deoptimisations per job in a fresh job process; bench api, session 7).
  meanStdInto(block, k, n, mean, std);
  return { mean, std };
}

function meanStdInto(block: Float32Array, k: number, n: number, mean: Float32Array, std: Float32Array): void {
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += block[m * n + p];
    const mu = s / k;
    let v = 0;
    for (let m = 0; m < k; m++) {
      const d = block[m * n + p] - mu;
      v += d * d;
    }
    mean[p] = mu;
    std[p] = Math.sqrt(v / k);
  }
}

export function featurize(input: ForecastInput, cfg: ModelConfig): RawSample {
  const keys = predictorKeys(cfg);
  const K = keys.length;
  const n = input.ny * input.nx;
  const k = cfg.members;
  if (input.ens.length !== cfg.leads.length || input.ens.some((l) => l.length !== K))
    throw new MismatchError(
      `model input needs ${cfg.leads.length} leads × ${K} predictors (${keys.join(', ')})`,
    );
  const spread: Float32Array[] = [];
  const member1: Float32Array[] = [];
  const means: Float32Array[] = [];
  for (let li = 0; li < input.ens.length; li++)
    for (let pi = 0; pi < K; pi++) {
      const block = input.ens[li][pi];
      if (block.length !== k * n)
        throw new MismatchError(
          `model input ${keys[pi]} at lead ${cfg.leads[li]} h needs ${k} members on ${input.ny}×${input.nx}`,
        );
      const s = memberMeanStd(block, k, n);
      spread.push(s.std);
      member1.push(block.slice(0, n));
      if (li === cfg.leads.length - 1) means.push(s.mean);
    }
  const last = (cfg.leads.length - 1) * K;
  const tIdx = cfg.targets.map((t) => keys.indexOf(t));
  return {
    ny: input.ny,
    nx: input.nx,
    bc: [...input.analysis, ...means],
    spread,
    member1,
    targetMean: tIdx.map((i) => means[i]),
    targetSpread: tIdx.map((i) => spread[last + i]),
    truth: input.truth,
  };
}

/** Where the model's analysis channels came from (recorded in every product's metadata). */
export type AnalysisSource = 'analysis' | 'fallback-subset-mean-step0';

export const ANALYSIS_SOURCE_TEXT: Record<AnalysisSource, string> = {
  analysis: 'analysis at the initialisation time (given with the request)',
  'fallback-subset-mean-step0':
    'no analysis given: the subset mean at the first lead (step 0) stands in for it (fallback)',
};

/**
 * THE model input, for training, `epp evaluate`, `epp postprocess` and the service alike: featurize with
 * the given analysis when there is one, else with the fallback (the subset mean at the first lead, step 0),
 * and say which was used.
 */
export function buildModelInput(
  input: Omit<ForecastInput, 'analysis'> & { analysis?: Float32Array[] | null },
  cfg: ModelConfig,
): { raw: RawSample; analysisSource: AnalysisSource } {
  const n = input.ny * input.nx;
  if (input.analysis) {
    const K = predictorKeys(cfg).length;
    if (input.analysis.length !== K || input.analysis.some((a) => a.length !== n))
      throw new MismatchError(
        `model analysis needs ${K} fields (${predictorKeys(cfg).join(', ')}) on ${input.ny}×${input.nx}`,
      );
    return { raw: featurize({ ...input, analysis: input.analysis }, cfg), analysisSource: 'analysis' };
  }
  if (!input.ens.length) throw new MismatchError('model input has no lead times');
  const analysis = input.ens[0].map((block) => memberMeanStd(block, cfg.members, n).mean);
  return { raw: featurize({ ...input, analysis }, cfg), analysisSource: 'fallback-subset-mean-step0' };
}
