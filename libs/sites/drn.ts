/**
 * Distributional regression network for sites (Rasp & Lerch 2018, MWR 146, "DRN"): an MLP over ensemble
 * statistics of the K-member subset, extra forecasts and the annual cycle, with a station embedding when there
 * are several stations, whose two outputs are the location and scale of the site family; trained by Adam on
 * the closed-form CRPS, with early stopping on a validation period inside the training years, then refitted
 * on the whole training period for the best epoch count. Several seeds are averaged in parameter space.
 * The caller selects the tfjs backend (libs/model/backend.ts); every tensor is disposed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataError, InvalidArgumentError, ModelError } from '../contracts/errors.js';
import { gaussianCrpsElementwise } from '../model/losses.js';
import {
  BQN_LEVELS,
  MAX_BERNSTEIN_DEGREE,
  baseShape,
  bernsteinBasis,
  bernsteinMeanStd,
  isBernsteinDegree,
} from './bernstein.js';
import { crpsAndGrad, isCensored } from './distributions.js';
import {
  HURDLE_MAX_SIGMA,
  SiteEmos,
  predictSiteEmos,
  type SiteEmosParams,
  type SiteParameters,
} from './emos.js';
import { subsetFeatures, type PairFeatures } from './features.js';
import type { SiteFamily } from './types.js';

export interface SiteDrnOptions {
  family: SiteFamily;
  extras: string[];
  hidden: number;
  /** Station embedding width (0 = none; used only with several stations). */
  embedding: number;
  seeds: number;
  maxEpochs: number;
  patience: number;
  /** Mini-batch size; the effective size is at least 1/40 of the training pairs (≤ 40 steps an epoch). */
  batchSize: number;
  learningRate: number;
  /** L2 penalty on the hidden-layer weights. */
  l2: number;
  /**
   * 'parametric': the family's location and scale (corrections of the base EMOS); 'bernstein': the d + 1
   * coefficients of a Bernstein quantile function (BQN, libs/sites/bernstein.ts), trained on the quantile loss.
   */
  output: 'parametric' | 'bernstein';
  /** Degree d of the Bernstein quantile function (output 'bernstein'). */
  degree: number;
}

export const DRN_DEFAULTS: Omit<SiteDrnOptions, 'family' | 'extras'> = {
  hidden: 32,
  embedding: 4,
  seeds: 5,
  maxEpochs: 150,
  patience: 30,
  batchSize: 64,
  learningRate: 0.001,
  l2: 0,
  output: 'parametric',
  degree: 12,
};

/** One trained network: weights as flat arrays (JSON-serialisable). */
export interface DrnWeights {
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number[];
  /** Linear skip connection input → outputs (the network starts as, and can stay close to, a linear EMOS). */
  wl: number[];
  emb: number[] | null;
  epochs: number;
  validationCrps: number;
}

export interface SiteDrnParams {
  family: SiteFamily;
  extras: string[];
  inputs: number;
  hidden: number;
  embedding: number;
  stations: number;
  /** Input standardisation and target scale. */
  centre: number[];
  scale: number[];
  yCentre: number;
  yScale: number;
  sdEps: number;
  /** The seasonal EMOS (fitted on the whole training period) whose μ and log σ the network corrects. */
  base: SiteEmosParams;
  nets: DrnWeights[];
  /** Present for a Bernstein quantile network (absent = parametric, the format before it). */
  output?: 'bernstein';
  degree?: number;
}

/** Feature matrix [n, F] (unstandardised): mean, log(sd+ε), sd, frac ≤ 0, member quantiles, extras, sin, cos. */
function rawInputs(x: PairFeatures, extras: string[], family: SiteFamily, sdEps: number): Float64Array[] {
  // Precipitation amounts are heavy-tailed: the network sees their square roots (and the raw mean).
  const censored = isCensored(family);
  const amount = (c: Float64Array) => (censored ? c.map((v) => Math.sqrt(Math.max(v, 0))) : c);
  const cols: Float64Array[] = [
    x.mean,
    x.sd.map((s) => Math.log(s + sdEps)),
    amount(x.sd),
    ...x.quantiles.map(amount),
  ];
  if (censored) cols.push(x.fracZero, amount(x.mean));
  for (const e of extras) cols.push(amount(x.extras[e]));
  cols.push(x.doySin, x.doyCos);
  return cols;
}

function matrix(cols: Float64Array[], centre: number[], scale: number[], n: number): Float32Array {
  const F = cols.length;
  const out = new Float32Array(n * F);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < F; j++) out[i * F + j] = (cols[j][i] - centre[j]) / scale[j];
  return out;
}

/** A small deterministic PRNG (mulberry32) for weight initialisation and batch shuffling. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Element-wise CRPS of the censored logistic in tensors (same closed form as distributions.ts:
 * σ[z + 2 softplus(−z) − 1 − softplus(l) + Λ(l)], z = (y − μ)/σ, l = −μ/σ, y ≥ 0); autograd gives the gradient.
 */
function censoredLogisticCrps(mu: tf.Tensor, sigma: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const z = tf.div(tf.sub(y, mu), sigma);
  const l = tf.div(tf.neg(mu), sigma);
  const h = tf.add(
    tf.sub(tf.add(z, tf.mul(tf.softplus(tf.neg(z)), 2)), 1),
    tf.sub(tf.sigmoid(l), tf.softplus(l)),
  );
  return tf.mul(sigma, h);
}

/**
 * Element-wise CRPS of the censored shifted gamma (distributions.ts `crpsCsg`, Scheuerer & Hamill 2015) as a
 * tfjs op with a custom gradient: tfjs has no incomplete gamma function, so values and ∂/∂μ, ∂/∂σ are
 * computed on the CPU (dataSync) and handed back; y and δ are constants.
 */
function csgCrps(mu: tf.Tensor, sigma: tf.Tensor, y: tf.Tensor, delta: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((m: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
    const mv = m.dataSync();
    const sv = s.dataSync();
    const yv = y.dataSync();
    const dv = delta.dataSync();
    const n = mv.length;
    const value = new Float32Array(n);
    const gm = new Float32Array(n);
    const gs = new Float32Array(n);
    const g = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      value[i] = crpsAndGrad('censored-shifted-gamma', mv[i], sv[i], yv[i], g, dv[i]);
      gm[i] = g[0];
      gs[i] = g[1];
    }
    const gmT = tf.tensor(gm, m.shape);
    const gsT = tf.tensor(gs, s.shape);
    save([gmT, gsT]);
    return {
      value: tf.tensor(value, m.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0]), tf.mul(dy, saved[1])],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(mu, sigma);
}

/** Φ(x) = ½(1 + erf(x/√2)). */
const normCdfT = (x: tf.Tensor) => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

/**
 * Element-wise CRPS of the hurdle log-normal in tensors, the closed form of distributions.ts
 * `crpsHurdleAndGrad` (Gneiting & Raftery 2007 eq. 21 with the log-normal moments; y ≥ 0): (1 − π)y + π E|Z − y|
 * − π(1 − π)m − ½π² E|Z − Z′|; autograd gives the gradient. Dry pairs (y = 0) mask the Φ(w) terms to 0.
 */
function hurdleCrps(mu: tf.Tensor, sigma: tf.Tensor, pi: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const wet = tf.cast(tf.greater(y, 0), 'float32');
  const m = tf.exp(tf.add(mu, tf.mul(0.5, tf.square(sigma))));
  const w = tf.div(tf.sub(tf.log(tf.maximum(y, 1e-6)), mu), sigma);
  const fw = tf.mul(wet, normCdfT(w));
  const fws = tf.mul(wet, normCdfT(tf.sub(w, sigma)));
  const ezz = tf.mul(tf.mul(2, m), tf.sub(tf.mul(2, normCdfT(tf.mul(sigma, Math.SQRT1_2))), 1));
  const ezy = tf.sub(tf.mul(y, tf.sub(tf.mul(2, fw), 1)), tf.mul(m, tf.sub(tf.mul(2, fws), 1)));
  const q = tf.sub(1, pi);
  return tf.sub(
    tf.add(tf.mul(q, y), tf.mul(pi, ezy)),
    tf.add(tf.mul(tf.mul(pi, q), m), tf.mul(tf.mul(0.5, tf.square(pi)), ezz)),
  );
}

interface DrnData {
  /** Standardised features [n, F]. */
  x: Float32Array;
  y: Float32Array;
  s: Int32Array;
  /** Base EMOS location (μ; CSG: softplus⁻¹ μ) and log σ of each pair, and the CSG shift δ. */
  mb: Float32Array;
  lb: Float32Array;
  db: Float32Array;
  n: number;
}

/** The base location the network corrects: μ, or softplus⁻¹(μ) for the CSG (whose μ must stay > 0). */
function baseLocation(family: SiteFamily, mu: Float64Array): Float32Array {
  if (family !== 'censored-shifted-gamma') return Float32Array.from(mu);
  return Float32Array.from(mu, (m) => (m > 20 ? m : Math.log(Math.expm1(Math.max(m, 1e-6)))));
}

interface SeedRun {
  vars: Vars;
  opt: tf.Optimizer;
  rng: () => number;
  order: number[];
}

interface Vars {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
  wl: tf.Variable;
  emb: tf.Variable | null;
}

function glorot(rng: () => number, fanIn: number, fanOut: number): Float32Array {
  const lim = Math.sqrt(6 / (fanIn + fanOut)); // Glorot & Bengio 2010, uniform
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng() - 1) * lim);
}

/**
 * Network outputs: location and scale corrections, and (hurdle) the wet-probability logit correction; a BQN:
 * the d + 1 raw Bernstein coefficients (α_0 and the increments before their softplus).
 */
const outputsOf = (p: Pick<SiteDrnParams, 'family' | 'output' | 'degree'>) =>
  p.output === 'bernstein' ? p.degree! + 1 : p.family === 'hurdle-lognormal' ? 3 : 2;

/** Variables are created inside tidy so their initial-value tensors are released. */
function makeVars(p: SiteDrnParams, rng: () => number): Vars {
  const inW = p.inputs + p.embedding;
  const nOut = outputsOf(p);
  return tf.tidy(
    () =>
      ({
        w1: tf.variable(tf.tensor2d(glorot(rng, inW, p.hidden), [inW, p.hidden])),
        b1: tf.variable(tf.zeros([p.hidden])),
        // Small output weights: the untrained network is (nearly) the base EMOS.
        w2: tf.variable(
          tf.tensor2d(
            glorot(rng, p.hidden, nOut).map((w) => 0.1 * w),
            [p.hidden, nOut],
          ),
        ),
        b2: tf.variable(tf.zeros([nOut])),
        wl: tf.variable(tf.zeros([inW, nOut])),
        emb:
          p.embedding > 0
            ? tf.variable(
                tf.randomUniform([p.stations, p.embedding], -0.05, 0.05, 'float32', Math.floor(rng() * 1e9)),
              )
            : null,
      }) as unknown as tf.TensorContainer,
  ) as unknown as Vars;
}

/**
 * Rows `st` of the embedding table with a scatter-add gradient computed on the CPU: tfjs-cpu's gradient of
 * `gather` (unsortedSegmentSum) costs O(batch × stations) with large temporaries, which made the 969-station
 * UWME archive take minutes per epoch; this costs O(batch × width).
 */
export function embeddingLookup(emb: tf.Tensor2D, st: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad(((table: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([st]);
    return {
      value: tf.gather(table, st),
      gradFunc: (dy: tf.Tensor) => {
        const [S, E] = table.shape;
        const g = new Float32Array(S * E);
        const d = dy.dataSync();
        const idx = st.dataSync();
        for (let i = 0; i < idx.length; i++) for (let e = 0; e < E; e++) g[idx[i] * E + e] += d[i * E + e];
        return [tf.tensor2d(g, [S, E])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(emb) as tf.Tensor2D;
}

/** The raw network outputs [n, outputs]: MLP (one ReLU hidden layer) plus the linear skip connection. */
function network(
  v: Pick<Vars, 'w1' | 'b1' | 'w2' | 'b2' | 'wl' | 'emb'>,
  x: tf.Tensor2D,
  st: tf.Tensor1D | null,
): tf.Tensor2D {
  let input: tf.Tensor = x;
  if (v.emb && st) input = tf.concat([x, embeddingLookup(v.emb as tf.Tensor2D, st)], 1);
  const h = tf.relu(tf.add(tf.matMul(input as tf.Tensor2D, v.w1 as tf.Tensor2D), v.b1));
  return tf.add<tf.Tensor2D>(
    tf.add(tf.matMul(h as tf.Tensor2D, v.w2 as tf.Tensor2D), v.b2),
    tf.matMul(input, v.wl),
  );
}

/**
 * BQN coefficients α [n, d+1] from raw outputs o: the base EMOS's quantile function μ + σ Σ c_j B_{j,d}
 * (bernstein.ts baseShape) corrected as α_0 = μ + σc_0 + s_y·o_0, α_j = α_{j−1} + softplus(softplus⁻¹(σΔc_j) + o_j)
 * (Schulz & Lerch 2022 §2c: α_0 free, positive increments), so α is non-decreasing for any o and o = 0 is the base.
 */
export function bqnCoefficients(
  p: Pick<SiteDrnParams, 'degree' | 'family' | 'yScale'>,
  out: tf.Tensor2D,
  muBase: tf.Tensor1D,
  logSigmaBase: tf.Tensor1D,
): tf.Tensor2D {
  const d = p.degree!;
  const c = baseShape(d, p.family as 'normal' | 'censored-logistic');
  const sig = tf.reshape(tf.exp(logSigmaBase), [-1, 1]);
  const [o0, oi] = tf.split(out, [1, d], 1);
  const a0 = tf.add(tf.add(tf.reshape(muBase, [-1, 1]), tf.mul(sig, c[0])), tf.mul(o0, p.yScale));
  const dc = tf.tensor2d(
    Float32Array.from({ length: d }, (_, j) => c[j + 1] - c[j]),
    [1, d],
  );
  // softplus⁻¹(v) = v + log(1 − e^{−v}): finite for every v > 0 in float32 (log(expm1 v) overflows at v > 88).
  const v = tf.mul(sig, dc);
  const inc = tf.softplus(tf.add(tf.add(v, tf.log(tf.neg(tf.expm1(tf.neg(v))))), oi));
  return tf.cumsum<tf.Tensor2D>(tf.concat([a0, inc], 1), 1);
}

/**
 * The BQN training loss: 2 × the mean quantile (pinball) loss of Q⁺ = max(Q, 0) (censored families) over the
 * levels τ_k = k/100, an approximation of the CRPS = 2∫QS_τ dτ (Gneiting & Ranjan 2011, JBES 29). A tfjs op
 * computed on the CPU with its gradient ∂/∂α_ij = (2/nN) Σ_k B_{j,d}(τ_k)(1{y_i < Q⁺_ik} − τ_k)·1{Q_ik > 0}
 * (the pinball loss's derivative; tfjs-cpu's broadcast ops made the tensor form ~4× the cost of a DRN step).
 */
export function bqnLoss(alpha: tf.Tensor2D, y: tf.Tensor1D, censored: boolean): tf.Scalar {
  const op = tf.customGrad(((a: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const av = a.dataSync();
    const yv = y.dataSync();
    const [n, D] = a.shape;
    const N = BQN_LEVELS.length;
    const basis = levelBasis(D - 1);
    const grad = new Float32Array(n * D);
    const w = 2 / (n * N);
    let loss = 0;
    const dq = new Float64Array(N);
    for (let i = 0; i < n; i++) {
      const yi = yv[i];
      for (let k = 0; k < N; k++) {
        let q = 0;
        for (let j = 0; j < D; j++) q += av[i * D + j] * basis[j * N + k];
        const active = !censored || q > 0;
        const qp = active ? q : 0;
        const ind = yi < qp ? 1 : 0;
        loss += (ind - BQN_LEVELS[k]) * (qp - yi);
        dq[k] = active ? w * (ind - BQN_LEVELS[k]) : 0;
      }
      for (let j = 0; j < D; j++) {
        let g = 0;
        for (let k = 0; k < N; k++) g += basis[j * N + k] * dq[k];
        grad[i * D + j] = g;
      }
    }
    const gT = tf.tensor2d(grad, [n, D]);
    save([gT]);
    return {
      value: tf.scalar(w * loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0])],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(alpha) as tf.Scalar;
}

const levelBases = new Map<number, Float32Array>();

/** B_{j,d}(τ_k) as a [d+1, levels] matrix (cached per degree). */
function levelBasis(d: number): Float32Array {
  const hit = levelBases.get(d);
  if (hit) return hit;
  const N = BQN_LEVELS.length;
  const basis = new Float32Array((d + 1) * N);
  BQN_LEVELS.forEach((t, k) => bernsteinBasis(d, t).forEach((b, j) => (basis[j * N + k] = b)));
  levelBases.set(d, basis);
  return basis;
}

/** μ, σ [n] in target units and the third parameter (CSG: the base δ; hurdle: π; else the base's 0). */
/** μ, σ [n] in target units and the third parameter (CSG: the base δ; hurdle: π; else the base's 0). */
function forward(
  p: SiteDrnParams,
  v: Pick<Vars, 'w1' | 'b1' | 'w2' | 'b2' | 'wl' | 'emb'>,
  x: tf.Tensor2D,
  st: tf.Tensor1D | null,
  muBase: tf.Tensor1D,
  logSigmaBase: tf.Tensor1D,
  thirdBase: tf.Tensor1D,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const out = network(v, x, st);
  const [o0, o1, o2] = tf.split(out, outputsOf(p), 1);
  // μ = μ_EMOS + s_y·o₀, σ = σ_EMOS·exp(o₁): the network learns a correction of the base EMOS
  // (CSG: μ = softplus(softplus⁻¹ μ_EMOS + s_y·o₀)).
  const loc = tf.add(muBase, tf.mul(tf.reshape(o0, [-1]), p.yScale));
  const mu = p.family === 'censored-shifted-gamma' ? tf.add(tf.softplus(loc), 1e-4 * p.yScale) : loc;
  if (p.family === 'hurdle-lognormal') {
    // Log-normal of log amounts: σ = σ_EMOS·exp(o₁) (capped as in emos.ts), logit π = logit π_EMOS + o₂.
    const s = tf.minimum(tf.add(tf.exp(tf.add(logSigmaBase, tf.reshape(o1, [-1]))), 1e-3), HURDLE_MAX_SIGMA);
    const pb = tf.clipByValue(thirdBase, 1e-6, 1 - 1e-6);
    const pi = tf.sigmoid(tf.add(tf.log(tf.div(pb, tf.sub(1, pb))), tf.reshape(o2, [-1])));
    return [tf.add(muBase, tf.reshape(o0, [-1])), s, pi];
  }
  const sigma = tf.add(tf.exp(tf.add(logSigmaBase, tf.reshape(o1, [-1]))), 1e-3 * p.yScale);
  return [mu, sigma, thirdBase];
}

function lossOf(
  p: SiteDrnParams,
  mu: tf.Tensor,
  sigma: tf.Tensor,
  y: tf.Tensor,
  delta: tf.Tensor,
): tf.Scalar {
  const c =
    p.family === 'normal'
      ? gaussianCrpsElementwise(mu, sigma, y)
      : p.family === 'censored-logistic'
        ? censoredLogisticCrps(mu, sigma, y)
        : p.family === 'hurdle-lognormal'
          ? hurdleCrps(mu, sigma, delta, y)
          : csgCrps(mu, sigma, y, delta);
  return tf.mean(c);
}

/** The training / validation loss of a batch: the closed-form CRPS of the family, or the BQN quantile loss. */
function pairLoss(
  p: SiteDrnParams,
  v: Pick<Vars, 'w1' | 'b1' | 'w2' | 'b2' | 'wl' | 'emb'>,
  x: tf.Tensor2D,
  st: tf.Tensor1D | null,
  muBase: tf.Tensor1D,
  logSigmaBase: tf.Tensor1D,
  thirdBase: tf.Tensor1D,
  y: tf.Tensor1D,
): tf.Scalar {
  if (p.output === 'bernstein')
    return bqnLoss(bqnCoefficients(p, network(v, x, st), muBase, logSigmaBase), y, isCensored(p.family));
  const [mu, sigma, third] = forward(p, v, x, st, muBase, logSigmaBase, thirdBase);
  return lossOf(p, mu, sigma, y, third);
}

function snapshot(v: Vars): Omit<DrnWeights, 'epochs' | 'validationCrps'> {
  return {
    w1: Array.from(v.w1.dataSync()),
    b1: Array.from(v.b1.dataSync()),
    w2: Array.from(v.w2.dataSync()),
    b2: Array.from(v.b2.dataSync()),
    wl: Array.from(v.wl.dataSync()),
    emb: v.emb ? Array.from(v.emb.dataSync()) : null,
  };
}

function disposeVars(v: Vars): void {
  v.w1.dispose();
  v.b1.dispose();
  v.w2.dispose();
  v.b2.dispose();
  v.wl.dispose();
  v.emb?.dispose();
}

export interface DrnProgress {
  seed: number;
  seeds: number;
  phase: 'early-stopping' | 'refit';
  epoch: number;
  maxEpochs: number;
  validationCrps?: number;
}

/** Configure (family, predictors, network size, training schedule), then `process(...)`. */
export class SiteDrn {
  readonly options: SiteDrnOptions;

  constructor(o: Partial<SiteDrnOptions> & Pick<SiteDrnOptions, 'family' | 'extras'>) {
    const known = new Set(['family', 'extras', ...Object.keys(DRN_DEFAULTS)]);
    const unknown = Object.keys(o).filter((k) => !known.has(k));
    if (unknown.length)
      throw new InvalidArgumentError(
        `drn: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
      );
    const opts = { ...DRN_DEFAULTS, ...o };
    if (opts.output !== 'parametric' && opts.output !== 'bernstein')
      throw new InvalidArgumentError(
        `drn output must be parametric or bernstein, got "${String(opts.output)}"`,
      );
    if (opts.output === 'bernstein') {
      if (!isBernsteinDegree(opts.degree))
        throw new InvalidArgumentError(
          `drn degree must be an integer from 1 to ${MAX_BERNSTEIN_DEGREE}, got ${opts.degree}`,
        );
      if (opts.family !== 'normal' && opts.family !== 'censored-logistic')
        throw new InvalidArgumentError(
          `drn: output bernstein corrects a normal or censored-logistic base EMOS, got distribution ${opts.family}`,
        );
    }
    if (opts.family === 'censored-gev')
      throw new InvalidArgumentError(
        'drn: distribution censored-gev is EMOS only; use normal, censored-logistic, censored-shifted-gamma or hurdle-lognormal',
      );
    for (const k of ['hidden', 'seeds', 'maxEpochs', 'patience', 'batchSize'] as const)
      if (!(Number.isInteger(opts[k]) && opts[k] > 0))
        throw new InvalidArgumentError(`drn ${k} must be a positive integer, got ${opts[k]}`);
    if (!(Number.isInteger(opts.embedding) && opts.embedding >= 0))
      throw new InvalidArgumentError(`drn embedding must be a non-negative integer, got ${opts.embedding}`);
    if (!(opts.l2 >= 0)) throw new InvalidArgumentError(`drn l2 must be ≥ 0, got ${opts.l2}`);
    if (!(opts.learningRate > 0))
      throw new InvalidArgumentError(`drn learningRate must be > 0, got ${opts.learningRate}`);
    this.options = opts;
  }

  /**
   * Train on pairs (features x, observations y, station index) with `valid[i]` marking the validation pairs
   * (the last part of the training period). Returns the averaged-seed network parameters.
   */
  process(
    x: PairFeatures,
    y: Float64Array,
    station: Int32Array,
    stations: number,
    valid: Uint8Array,
    onProgress?: (p: DrnProgress) => void,
  ): SiteDrnParams {
    const o = this.options;
    const nTrain = valid.reduce((a, v) => a + (v ? 0 : 1), 0);
    const nValid = x.n - nTrain;
    if (nTrain < 20 || nValid < 5)
      throw new DataError(`drn needs ≥ 20 training and ≥ 5 validation pairs, got ${nTrain} and ${nValid}`);
    const meanSd = x.sd.reduce((a, b) => a + b, 0) / x.n;
    const sdEps = Math.max(0.05 * meanSd, 1e-3);
    const cols = rawInputs(x, o.extras, o.family, sdEps);
    const centre = cols.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
    const scale = cols.map(
      (c, j) => Math.sqrt(c.reduce((a, b) => a + (b - centre[j]) ** 2, 0) / c.length) || 1,
    );
    const yCentre = y.reduce((a, b) => a + b, 0) / y.length;
    const yScale = Math.sqrt(y.reduce((a, b) => a + (b - yCentre) ** 2, 0) / y.length) || 1;
    const p: SiteDrnParams = {
      family: o.family,
      extras: o.extras,
      inputs: cols.length,
      hidden: o.hidden,
      embedding: stations > 1 ? o.embedding : 0,
      stations,
      centre,
      scale,
      yCentre,
      yScale,
      sdEps,
      base: undefined as unknown as SiteEmosParams,
      nets: [],
      ...(o.output === 'bernstein' ? { output: 'bernstein' as const, degree: o.degree } : {}),
    };
    const emos = new SiteEmos({ family: o.family, seasonal: true, extras: o.extras, perStation: false });
    const F = cols.length;
    const X = matrix(cols, centre, scale, x.n);
    /** Pairs `rows` with the base EMOS `params` (its μ, log σ and δ per pair). */
    const take = (params: SiteEmosParams, rows: number[]): DrnData => {
      const st = Int32Array.from(rows, (i) => station[i]);
      const b = predictSiteEmos(params, subsetFeatures(x, rows), st);
      return {
        x: Float32Array.from(rows.flatMap((i) => Array.from(X.subarray(i * F, (i + 1) * F)))),
        y: Float32Array.from(rows, (i) => y[i]),
        s: st,
        mb: baseLocation(o.family, b.mu),
        lb: Float32Array.from(b.sigma, (v) => Math.log(v)),
        db: Float32Array.from(b.shift),
        n: rows.length,
      };
    };
    /** The seasonal EMOS of `rows` (K members), the base the network corrects. */
    const fitBase = (rows: number[]) =>
      emos.process(
        subsetFeatures(x, rows),
        Float64Array.from(rows, (i) => y[i]),
        Int32Array.from(rows, (i) => station[i]),
        stations,
      );
    const rowsTrain = [...Array(x.n).keys()].filter((i) => !valid[i]);
    const rowsValid = [...Array(x.n).keys()].filter((i) => valid[i]);
    const rowsAll = [...Array(x.n).keys()];
    const baseTrain = fitBase(rowsTrain);
    const dTrain = take(baseTrain, rowsTrain);
    // The validation pairs are predicted by the EMOS fitted on the training part only.
    const dValid = take(baseTrain, rowsValid);
    p.base = fitBase(rowsAll);
    const dAll = take(p.base, rowsAll);
    for (let seed = 0; seed < o.seeds; seed++) {
      const best = this.train(p, dTrain, dValid, seed, (e, v) =>
        onProgress?.({
          seed,
          seeds: o.seeds,
          phase: 'early-stopping',
          epoch: e,
          maxEpochs: o.maxEpochs,
          validationCrps: v,
        }),
      );
      const weights = this.refit(p, dAll, seed, best.epochs, (e) =>
        onProgress?.({ seed, seeds: o.seeds, phase: 'refit', epoch: e, maxEpochs: best.epochs }),
      );
      p.nets.push({ ...weights, epochs: best.epochs, validationCrps: best.validationCrps });
    }
    return p;
  }

  /** A seed's training state: variables, optimiser and its PRNG (initialisation, shuffling). */
  private start(p: SiteDrnParams, d: DrnData, seed: number): SeedRun {
    const rng = mulberry32(1000 + seed);
    const vars = makeVars(p, rng);
    return { vars, opt: tf.train.adam(this.options.learningRate), rng, order: [...Array(d.n).keys()] };
  }

  /** One pass over the training pairs in shuffled mini-batches. */
  private epoch(p: SiteDrnParams, run: SeedRun, d: DrnData): void {
    const o = this.options;
    const { vars, opt, rng, order } = run;
    const F = p.inputs;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const batch = Math.max(o.batchSize, Math.ceil(d.n / 40));
    for (let b = 0; b < d.n; b += batch) {
      const idx = order.slice(b, b + batch);
      const bx = new Float32Array(idx.length * F);
      idx.forEach((r, k) => bx.set(d.x.subarray(r * F, (r + 1) * F), k * F));
      tf.tidy(() => {
        const xb = tf.tensor2d(bx, [idx.length, F]);
        const yb = tf.tensor1d(Float32Array.from(idx.map((r) => d.y[r])));
        const db = tf.tensor1d(Float32Array.from(idx.map((r) => d.db[r])));
        const sb = vars.emb ? tf.tensor1d(Int32Array.from(idx.map((r) => d.s[r])), 'int32') : null;
        const cost = opt.minimize(() => {
          const loss = pairLoss(
            p,
            vars,
            xb,
            sb,
            tf.tensor1d(Float32Array.from(idx.map((r) => d.mb[r]))),
            tf.tensor1d(Float32Array.from(idx.map((r) => d.lb[r]))),
            db,
            yb,
          );
          return o.l2 > 0 ? tf.add(loss, tf.mul(tf.sum(tf.square(vars.w1)), o.l2)) : loss;
        }, true);
        cost?.dispose();
      });
    }
  }

  private dispose(run: SeedRun): void {
    disposeVars(run.vars);
    run.opt.dispose();
  }

  /** Train one seed for `epochs` epochs (no validation): the refit on the whole training period. */
  private refit(
    p: SiteDrnParams,
    d: DrnData,
    seed: number,
    epochs: number,
    tick: (epoch: number) => void,
  ): Omit<DrnWeights, 'epochs' | 'validationCrps'> {
    const run = this.start(p, d, seed);
    try {
      for (let e = 1; e <= epochs; e++) {
        this.epoch(p, run, d);
        tick(e);
      }
      return snapshot(run.vars);
    } finally {
      this.dispose(run);
    }
  }

  /** One seed with its own early stopping on the validation pairs; the best epoch's weights and count. */
  private train(
    p: SiteDrnParams,
    d: DrnData,
    v: DrnData,
    seed: number,
    tick: (epoch: number, validationCrps?: number) => void,
  ): { epochs: number; validationCrps: number } {
    const o = this.options;
    const run = this.start(p, d, seed);
    const F = p.inputs;
    const xv = tf.tensor2d(v.x, [v.n, F]);
    const yv = tf.tensor1d(v.y);
    const sv = run.vars.emb ? tf.tensor1d(v.s, 'int32') : null;
    const mbv = tf.tensor1d(v.mb);
    const lbv = tf.tensor1d(v.lb);
    const dbv = tf.tensor1d(v.db);
    let bestLoss = Infinity;
    let bestEpoch = o.maxEpochs;
    let sinceBest = 0;
    try {
      for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
        this.epoch(p, run, d);
        const loss = tf.tidy(() => {
          return pairLoss(p, run.vars, xv, sv, mbv, lbv, dbv, yv).dataSync()[0];
        });
        tick(epoch, loss);
        if (loss < bestLoss - 1e-6) {
          bestLoss = loss;
          bestEpoch = epoch;
          sinceBest = 0;
        } else if (++sinceBest >= o.patience) break;
      }
      return { epochs: bestEpoch, validationCrps: bestLoss };
    } finally {
      this.dispose(run);
      xv.dispose();
      yv.dispose();
      sv?.dispose();
      mbv.dispose();
      lbv.dispose();
      dbv.dispose();
    }
  }
}

/**
 * Predictive (μ, σ, δ) of every pair: the seeds' parameters averaged (δ is the base EMOS shift). A BQN: the
 * seeds' Bernstein coefficients averaged, in `bernstein`, with μ, σ its mean and standard deviation (δ NaN).
 * Station indices refer to the training file.
 */
export function predictSiteDrn(p: SiteDrnParams, x: PairFeatures, station: Int32Array): SiteParameters {
  const bqn = p.output === 'bernstein';
  if (bqn && !isBernsteinDegree(p.degree))
    throw new ModelError(
      `drn model field 'degree' must be an integer from 1 to ${MAX_BERNSTEIN_DEGREE}, got ${p.degree}`,
    );
  if (x.n === 0)
    return {
      mu: new Float64Array(0),
      sigma: new Float64Array(0),
      shift: new Float64Array(0),
      ...(bqn
        ? {
            bernstein: {
              degree: p.degree!,
              censored: isCensored(p.family),
              coefficients: new Float64Array(0),
            },
          }
        : {}),
    };
  const legacy = p as { inputKind?: string; baseKind?: string };
  if ((legacy.inputKind ?? 'basic') !== 'basic' || (legacy.baseKind ?? 'emos') !== 'emos')
    throw new ModelError(
      `drn model field 'inputKind'/'baseKind' is ${legacy.inputKind}/${legacy.baseKind}: an experimental option since removed (refit the model)`,
    );
  const cols = rawInputs(x, p.extras, p.family, p.sdEps);
  if (cols.length !== p.inputs)
    throw new DataError(`drn model expects ${p.inputs} inputs, the forecast gives ${cols.length}`);
  const X = matrix(cols, p.centre, p.scale, x.n);
  const base = predictSiteEmos(p.base, x, station);
  const mb = baseLocation(p.family, base.mu);
  const lb = Float32Array.from(base.sigma, (v) => Math.log(v));
  const mu = new Float64Array(x.n);
  const sigma = new Float64Array(x.n);
  const hurdle = p.family === 'hurdle-lognormal';
  const third = hurdle ? new Float64Array(x.n) : base.shift;
  const inW = p.inputs + p.embedding;
  const nOut = outputsOf(p);
  const weightsOf = (w: DrnWeights) => ({
    w1: tf.tensor2d(w.w1, [inW, p.hidden]),
    b1: tf.tensor1d(w.b1),
    w2: tf.tensor2d(w.w2, [p.hidden, nOut]),
    b2: tf.tensor1d(w.b2),
    wl: tf.tensor2d(w.wl, [inW, nOut]),
    emb: w.emb ? tf.tensor2d(w.emb, [p.stations, p.embedding]) : null,
  });
  if (bqn) {
    // Quantile averaging over seeds (the coefficients' mean; Schulz & Lerch 2022 §3): still non-decreasing.
    const coefficients = new Float64Array(x.n * nOut);
    for (const w of p.nets) {
      const a = tf.tidy(() => {
        const vars = weightsOf(w);
        const st = vars.emb ? tf.tensor1d(station, 'int32') : null;
        const out = network(vars as unknown as Vars, tf.tensor2d(X, [x.n, p.inputs]), st);
        return bqnCoefficients(p, out, tf.tensor1d(mb), tf.tensor1d(lb)).dataSync().slice();
      });
      for (let k = 0; k < a.length; k++) coefficients[k] += a[k] / p.nets.length;
    }
    const censored = isCensored(p.family);
    const d = p.degree!;
    for (let i = 0; i < x.n; i++)
      [mu[i], sigma[i]] = bernsteinMeanStd({ a: coefficients, off: i * (d + 1), d, censored });
    return {
      mu,
      sigma,
      shift: new Float64Array(x.n).fill(NaN),
      bernstein: { degree: d, censored, coefficients },
    };
  }
  for (const w of p.nets) {
    const [m, s, t] = tf.tidy(() => {
      const vars = weightsOf(w);
      const st = vars.emb ? tf.tensor1d(station, 'int32') : null;
      const [a, b, c] = forward(
        p,
        vars as unknown as Vars,
        tf.tensor2d(X, [x.n, p.inputs]),
        st,
        tf.tensor1d(mb),
        tf.tensor1d(lb),
        tf.tensor1d(Float32Array.from(base.shift)),
      );
      return [a.dataSync().slice(), b.dataSync().slice(), c.dataSync().slice()];
    });
    for (let i = 0; i < x.n; i++) {
      mu[i] += m[i] / p.nets.length;
      sigma[i] += s[i] / p.nets.length;
      if (hurdle) third[i] += t[i] / p.nets.length;
    }
  }
  return { mu, sigma, shift: third };
}
