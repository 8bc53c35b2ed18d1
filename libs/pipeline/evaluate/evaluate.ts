/**
 * `epp evaluate`: scores of the mixed model against the baselines on one split of a testbed archive, per
 * target at the target lead (DESIGN §2): CRPS of raw10, raw5 (empirical), EMOS global and point-by-point
 * (fitted on the training years on the same k members, libs/emos), the mixed model (Gaussian closed form)
 * and the perfect-model ensemble; the same on extreme points (truth above its per-point 99th training
 * percentile or below the 1st) and on each labelled event; relative improvements; SSR; rank/PIT histograms.
 */
import { EstimateEmos } from '../../emos/estimate.js';
import type { EmosCoefficients } from '../../emos/types.js';
import type { EnsembleField, Field2D, Grid } from '../../ensemble/types.js';
import { parseTargetKey, predictorKeys } from '../../model/config.js';
import { loadModelFolder } from '../../model/folder.js';
import type { ModelGrid } from '../../model/mixedModel.js';
import { ANALYSIS_SOURCE_TEXT } from '../../model/features.js';
import {
  pointQuantiles,
  SkillAccumulator,
  type Interval,
  type SkillMethodKind,
  type SkillReport,
} from '../../scoring/skill.js';
import { appliedWeights, pointWeights, type AppliedWeights, type WeightKind } from '../../scoring/weights.js';
import { indexArchive, loadSplit, type LoadedSample, type SplitName } from '../dataset/index.js';
import {
  applyExtendedEmos,
  fitExtendedEmos,
  minTrainingSamples,
  sphericalLaplacian,
  type ExtendedEmos,
  type ExtendedEmosKind,
  type ExtendedEmosSample,
} from './baselines.js';
import { crpsGaussian, ensembleCrpsAt, Histograms, MeanScore, SpreadSkill } from './scores.js';

export interface EvaluateOptions {
  modelDir: string;
  dataDir: string;
  split?: SplitName;
  /** Area weights of the aggregates (default 'area': cos(latitude) on the global lat–lon grid; DESIGN §2). */
  weights?: WeightKind;
  /** Bootstrap replicates (default 1000) and seed (default 1) of the 95 % week-block intervals. */
  replicates?: number;
  seed?: number;
  /** Fit the seasonal / local-predictor EMOS variants (default true; a few CPU-minutes on `small`). */
  extendedEmos?: boolean;
  onProgress?: (message: string, done: number, total: number) => void;
}

/**
 * emos_pointwise_all: point-by-point EMOS on every raw member (the testbed's own yardstick, DESIGN §5).
 * emos_seasonal / emos_local / emos_seasonal_local: point-by-point EMOS on the subset with seasonally varying
 * α, β and/or the Laplacians of z850 and of the target's mean as predictors (baselines.ts);
 * emos_seasonal_local_all: the same on every raw member (z850's Laplacian still from the subset mean).
 * mixed: the network fed the analysis at t0 (truth at the initialisation); mixed_fallback: fed the
 * served fallback (subset mean at step 0), which is what `epp postprocess` and the service return when the
 * request carries no analysis.
 */
const METHODS = [
  'raw10',
  'raw5',
  'emos_global',
  'emos_pointwise',
  'emos_pointwise_all',
  'emos_seasonal',
  'emos_local',
  'emos_seasonal_local',
  'emos_seasonal_local_all',
  'mixed',
  'mixed_fallback',
  'perfect50',
] as const;
type Method = (typeof METHODS)[number];
export type MethodScores = Partial<Record<Method, number>>;
const KIND: Record<Method, SkillMethodKind> = {
  raw10: 'ensemble',
  raw5: 'ensemble',
  emos_global: 'gaussian',
  emos_pointwise: 'gaussian',
  emos_pointwise_all: 'gaussian',
  emos_seasonal: 'gaussian',
  emos_local: 'gaussian',
  emos_seasonal_local: 'gaussian',
  emos_seasonal_local_all: 'gaussian',
  mixed: 'gaussian',
  mixed_fallback: 'gaussian',
  perfect50: 'ensemble',
};

export interface TargetReport {
  target: string;
  /** Weighted mean CRPS per method: standard estimator for ensembles, closed form for Gaussians. */
  crps: MethodScores;
  /**
   * Paper-comparable extra, NOT a proper evaluation (Lerch et al. 2017): CRPS over the points whose truth
   * lies above its training p99 or below its p1.
   */
  crpsObsConditioned: MethodScores;
  obsConditionedPoints: number;
  events: { name: string; points: number; crps: MethodScores }[];
  /**
   * 1 − CRPS_mixed / CRPS_ref against the strongest estimator of each reference (named in skill.improvement
   * and in `reference`), the served path (mixed_fallback) alike; extremes: twCRPS above p99.
   */
  improvement: {
    vsRaw10: number;
    vsRaw5: number;
    vsEmosPointwise: number;
    vsEmosGlobal: number;
    twcrpsUpperVsRaw10: number;
    servedVsRaw10: number;
    servedTwcrpsUpperVsRaw10: number;
  };
  reference: { raw10: string; raw5: string };
  /**
   * The strongest statistical baseline (the EMOS variant with the lowest CRPS) and the mixed model's
   * improvement over it with 95 % intervals (same replicates): analysis-fed and served; `closesGap` is true
   * when the served model is not better than it (interval's lower end ≤ 0).
   */
  strongestBaseline: {
    method: string;
    crps: number;
    mixed: Interval;
    served: Interval;
    servedTwcrpsUpper: Interval;
    closesGap: boolean;
  };
  /** Points whose extended-EMOS optimiser hit its iteration cap, per variant. */
  emosNotConverged: Record<string, number>;
  /** Extended EMOS variants left out (too few training samples, or no z850 for the local ones). */
  emosNotFitted: string[];
  /** Every method under every estimator, twCRPS, Brier, reliability, intervals, improvements (libs/scoring/skill). */
  skill: SkillReport;
  /** Fraction of the raw10 → perfect50 CRPS gap closed by the mixed model. */
  gapClosed: number | null;
  /** The same fraction for point-by-point EMOS on the k-member subset and on all raw members. */
  gapClosedEmosPointwise: { subset: number; all: number } | null;
  ssr: { mixed: number; raw10: number; raw5: number };
  rmse: { mixed: number; raw10: number };
  rankHistogramRaw10: number[];
  pitHistogramMixed: number[];
}

export interface EvaluationReport {
  split: SplitName;
  samples: number;
  leadHours: number;
  members: number;
  weights: AppliedWeights;
  bootstrap: { replicates: number; seed: number; blockDays: number; blocks: number };
  analysis: { mixed: string; mixed_fallback: string };
  targets: TargetReport[];
}

export function toGrid(g: ModelGrid): Grid {
  const lat = new Float64Array(g.ny * g.nx);
  const lon = new Float64Array(g.ny * g.nx);
  for (let i = 0; i < g.ny; i++)
    for (let j = 0; j < g.nx; j++) {
      lat[i * g.nx + j] = g.latitudes[i];
      lon[i * g.nx + j] = g.longitudes[j];
    }
  return {
    kind: 'latlon',
    yName: 'latitude',
    xName: 'longitude',
    y: Float64Array.from(g.latitudes),
    x: Float64Array.from(g.longitudes),
    latitude: lat,
    longitude: lon,
  };
}

export function fitEmos(
  train: LoadedSample[],
  t: number,
  k: number,
  grid: Grid,
  g: ModelGrid,
  key: string,
  lead: number,
  pointByPoint: boolean,
  units = '1',
): EmosCoefficients {
  const { variable, level } = parseTargetKey(key);
  const name = units === '1' ? key : variable;
  const n = g.ny * g.nx;
  const fc: EnsembleField[] = train.map((s) => ({
    variable: name,
    units,
    data: s.rawMembers![t].subarray(0, k * n),
    members: Array.from({ length: k }, (_, i) => i),
    ny: g.ny,
    nx: g.nx,
    grid,
    validTime: s.init + lead * 3600,
    initTime: s.init,
    leadHours: lead,
    level,
    source: `train ${new Date(s.init * 1000).toISOString()}`,
  }));
  const tr: Field2D[] = train.map((s) => ({
    variable: name,
    units,
    data: s.raw.truth![t],
    ny: g.ny,
    nx: g.nx,
    grid,
    validTime: s.init + lead * 3600,
    level,
    source: 'truth',
  }));
  return new EstimateEmos({ distribution: 'norm', pointByPoint }).process(fc, tr);
}

/** The EMOS variants fitted point by point with extra predictors: method → (kind, members: subset or all). */
const EXTENDED: [Method, ExtendedEmosKind, 'subset' | 'all'][] = [
  ['emos_seasonal', 'seasonal', 'subset'],
  ['emos_local', 'local', 'subset'],
  ['emos_seasonal_local', 'seasonal_local', 'subset'],
  ['emos_seasonal_local_all', 'seasonal_local', 'all'],
];
const EMOS_METHODS: Method[] = [
  'emos_global',
  'emos_pointwise',
  'emos_pointwise_all',
  ...EXTENDED.map(([m]) => m),
];

/** Mean and variance (ddof 1) over the first m members of a [M, n] block. */
function meanVar(block: Float32Array, m: number, n: number): { mean: Float32Array; variance: Float32Array } {
  const mean = new Float32Array(n);
  const variance = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += block[i * n + p];
    const mu = s / m;
    let ss = 0;
    for (let i = 0; i < m; i++) ss += (block[i * n + p] - mu) ** 2;
    mean[p] = mu;
    variance[p] = ss / (m - 1);
  }
  return { mean, variance };
}

/**
 * The fields the extended EMOS variants read for one sample and target, for the subset and for all members:
 * target mean, variance, its Laplacian, and the Laplacian of the subset-mean z850 (null without z850).
 */
function extendedSamples(
  s: LoadedSample,
  t: number,
  k: number,
  lead: number,
  g: ModelGrid,
  z850: number | null,
): Record<'subset' | 'all', ExtendedEmosSample> {
  const n = g.ny * g.nx;
  const raw = s.rawMembers![t];
  const lap = (f: Float32Array) => sphericalLaplacian(f, g.latitudes, g.ny, g.nx);
  const lapZ850 = z850 === null ? undefined : lap(s.raw.bc[z850]);
  const validTime = s.init + lead * 3600;
  const one = (m: number): ExtendedEmosSample => {
    const { mean, variance } = meanVar(raw, m, n);
    return { validTime, mean, variance, lapZ850, lapTarget: lap(mean) };
  };
  return { subset: one(k), all: one(s.memberCount!) };
}

/** Fraction of the raw10 → perfect50 CRPS gap that a method's CRPS closes. */
function gap(c: MethodScores, crps: number | undefined): number | null {
  return c.perfect50 === undefined || c.raw10 === undefined || crps === undefined
    ? null
    : (c.raw10 - crps) / (c.raw10 - c.perfect50);
}

/** μ, σ of EMOS at point p: μ = α + β·mean, σ² = γ² + δ²·var(ddof 1) (IMPROVER parameterisation). */
function emosAt(c: EmosCoefficients, p: number, mean: number, varDdof1: number): [number, number] {
  const i = c.pointByPoint ? p : 0;
  return [c.alpha[i] + c.beta[i] * mean, Math.sqrt(c.gamma[i] ** 2 + c.delta[i] ** 2 * varDdof1)];
}

export async function evaluateModel(o: EvaluateOptions): Promise<EvaluationReport> {
  const split = o.split ?? 'test';
  const weightsKind = o.weights ?? 'area';
  const replicates = o.replicates ?? 1000;
  const seed = o.seed ?? 1;
  const progress = o.onProgress ?? (() => undefined);
  const { model } = await loadModelFolder(o.modelDir);
  try {
    const cfg = model.config;
    const g = model.grid;
    const grid = toGrid(g);
    const n = g.ny * g.nx;
    const k = cfg.members;
    const lead = cfg.leads[cfg.leads.length - 1];
    const weights = pointWeights(grid, n, weightsKind);
    const index = await indexArchive(o.dataDir);
    const train = await loadSplit(index, 'train', cfg, { rawMembers: true }, (d, t) =>
      progress('loading train', d, t),
    );
    const test = await loadSplit(
      index,
      split,
      cfg,
      { rawMembers: true, perfect: true, fallback: true },
      (d, t) => progress(`loading ${split}`, d, t),
    );
    const events = (
      (index.manifest.events ?? []) as { name: string; start: string; end: string; bbox: number[] }[]
    ).map((e) => ({
      ...e,
      t0: Date.parse(e.start) / 1000,
      t1: Date.parse(e.end) / 1000 + 86400,
      inBox: (p: number) => {
        const [lon0, lat0, lon1, lat1] = e.bbox;
        const lat = grid.latitude[p];
        const lon = ((grid.longitude[p] % 360) + 360) % 360;
        const inLon = lon0 <= lon1 ? lon >= lon0 && lon <= lon1 : lon >= lon0 || lon <= lon1;
        return lat >= Math.min(lat0, lat1) && lat <= Math.max(lat0, lat1) && inLon;
      },
    }));

    const preds: { mu: Float32Array[]; sigma: Float32Array[] }[] = [];
    const served: { mu: Float32Array[]; sigma: Float32Array[] }[] = [];
    for (let i = 0; i < test.length; i += 2) {
      const batch = test.slice(i, i + 2);
      preds.push(...(await model.predict(batch.map((s) => s.raw))));
      served.push(...(await model.predict(batch.map((s) => s.rawFallback!))));
      progress('predicting', Math.min(i + 2, test.length), test.length);
    }

    const targets: TargetReport[] = [];
    const hasPerfect = test.every((s) => s.perfectMembers);
    const methods = METHODS.filter((m) => m !== 'perfect50' || hasPerfect);
    let blocks = 0;
    for (let t = 0; t < cfg.targets.length; t++) {
      const key = cfg.targets[t];
      progress(`fitting EMOS ${key}`, 0, 3);
      const eg = fitEmos(train, t, k, grid, g, key, lead, false);
      const ep = fitEmos(train, t, k, grid, g, key, lead, true);
      const M = test[0].memberCount!;
      const epAll = fitEmos(train, t, M, grid, g, key, lead, true);
      const keys = predictorKeys(cfg);
      const z850 = keys.indexOf('z850') >= 0 ? keys.length + keys.indexOf('z850') : null;
      const trainExt = train.map((s) => extendedSamples(s, t, k, lead, g, z850));
      const trainTruthExt = train.map((s) => s.raw.truth![t]);
      const ext: Partial<Record<Method, { e: ExtendedEmos; members: 'subset' | 'all' }>> = {};
      const notFitted: string[] = [];
      for (const [m, kind, members] of EXTENDED) {
        if (o.extendedEmos === false) {
          notFitted.push(`${m} (not asked for: --no-extended-emos)`);
          continue;
        }
        if (kind !== 'seasonal' && z850 === null) {
          notFitted.push(`${m} (the model has no z850 predictor)`);
          continue;
        }
        if (train.length < minTrainingSamples(kind)) {
          notFitted.push(`${m} (${train.length} training samples < ${minTrainingSamples(kind)})`);
          continue;
        }
        progress(`fitting EMOS ${key} ${m}`, 0, 1);
        ext[m] = {
          e: fitExtendedEmos(
            kind,
            trainExt.map((x) => x[members]),
            trainTruthExt,
            n,
          ),
          members,
        };
      }
      trainExt.length = 0;
      progress(`fitting EMOS ${key}`, 3, 3);
      const trainTruth = train.map((s) => s.raw.truth![t]);
      const q99 = pointQuantiles(trainTruth, 0.99);
      const q01 = pointQuantiles(trainTruth, 0.01);
      const acc = new SkillAccumulator({
        methods: methods
          .filter((m) => ext[m] || !EXTENDED.some(([x]) => x === m))
          .map((m) => ({ name: m, kind: KIND[m] })),
        sampleTimes: test.map((s) => s.init),
        weights,
        upper: q99,
        lower: q01,
        replicates,
        seed,
      });
      const all = Object.fromEntries(METHODS.map((m) => [m, new MeanScore()])) as Record<Method, MeanScore>;
      const obs = Object.fromEntries(METHODS.map((m) => [m, new MeanScore()])) as Record<Method, MeanScore>;
      const ev = events.map(
        () => Object.fromEntries(METHODS.map((m) => [m, new MeanScore()])) as Record<Method, MeanScore>,
      );
      const ssMixed = new SpreadSkill();
      const ss10 = new SpreadSkill();
      const ss5 = new SpreadSkill();
      const hist = new Histograms(M);
      const P0 = test[0].perfectCount ?? 0;
      const buf = new Float64Array(Math.max(M, P0, k));
      const sorted = new Float64Array(Math.max(M, P0, k));
      const sortedOf = (arr: Float32Array, m: number, p: number) => {
        for (let i = 0; i < m; i++) sorted[i] = arr[i * n + p];
        sorted.subarray(0, m).sort();
        return sorted;
      };
      const xbuf = new Float64Array(16);
      test.forEach((s, si) => {
        const extTest = Object.keys(ext).length ? extendedSamples(s, t, k, lead, g, z850) : null;
        const y = s.raw.truth![t];
        const raw = s.rawMembers![t];
        const perfect = s.perfectMembers?.[t];
        const P = s.perfectCount ?? 0;
        const valid = s.init + lead * 3600;
        const activeEvents = events.map((e) => valid >= e.t0 && valid < e.t1);
        for (let p = 0; p < n; p++) {
          const w = weights[p];
          let m10 = 0;
          for (let i = 0; i < M; i++) m10 += raw[i * n + p];
          m10 /= M;
          let v10 = 0;
          for (let i = 0; i < M; i++) v10 += (raw[i * n + p] - m10) ** 2;
          let m5 = 0;
          for (let i = 0; i < k; i++) m5 += raw[i * n + p];
          m5 /= k;
          let v5 = 0;
          for (let i = 0; i < k; i++) v5 += (raw[i * n + p] - m5) ** 2;
          const [mg, sg] = emosAt(eg, p, m5, v5 / (k - 1));
          const [mp, sp] = emosAt(ep, p, m5, v5 / (k - 1));
          const [ma, sa] = emosAt(epAll, p, m10, v10 / (M - 1));
          const mu = preds[si].mu[t][p];
          const sd = preds[si].sigma[t][p];
          const muS = served[si].mu[t][p];
          const sdS = served[si].sigma[t][p];
          const gauss: [Method, number, number][] = [
            ['emos_global', mg, sg],
            ['emos_pointwise', mp, sp],
            ['emos_pointwise_all', ma, sa],
            ['mixed', mu, sd],
            ['mixed_fallback', muS, sdS],
          ];
          const sc = {} as Record<Method, number>;
          for (const [m, fit] of Object.entries(ext) as [
            Method,
            { e: ExtendedEmos; members: 'subset' | 'all' },
          ][]) {
            const [a, b] = applyExtendedEmos(fit.e, extTest![fit.members], p, xbuf);
            gauss.push([m, a, b]);
            sc[m] = crpsGaussian(a, b, y[p]);
          }
          for (const [name, a, b] of gauss) acc.addGaussian(name, si, p, a, b, y[p]);
          acc.addEnsemble('raw10', si, p, sortedOf(raw, M, p), M, y[p]);
          acc.addEnsemble('raw5', si, p, sortedOf(raw, k, p), k, y[p]);
          if (perfect && hasPerfect) acc.addEnsemble('perfect50', si, p, sortedOf(perfect, P, p), P, y[p]);
          Object.assign(sc, {
            raw10: ensembleCrpsAt(raw, M, n, p, y[p], buf),
            raw5: ensembleCrpsAt(raw, k, n, p, y[p], buf),
            emos_global: crpsGaussian(mg, sg, y[p]),
            emos_pointwise: crpsGaussian(mp, sp, y[p]),
            emos_pointwise_all: crpsGaussian(ma, sa, y[p]),
            mixed: crpsGaussian(mu, sd, y[p]),
            mixed_fallback: crpsGaussian(muS, sdS, y[p]),
            perfect50: perfect ? ensembleCrpsAt(perfect, P, n, p, y[p], buf) : NaN,
          });
          const extreme = y[p] > q99[p] || y[p] < q01[p];
          for (const m of METHODS) {
            if (sc[m] === undefined) continue;
            all[m].add(sc[m], w);
            if (extreme) obs[m].add(sc[m], w);
            events.forEach((e, ei) => {
              if (activeEvents[ei] && e.inBox(p)) ev[ei][m].add(sc[m], w);
            });
          }
          ssMixed.add(mu, sd * sd, y[p], w);
          ss10.add(m10, v10 / (M - 1), y[p], w);
          ss5.add(m5, v5 / (k - 1), y[p], w);
          hist.addRank(raw, M, n, p, y[p]);
          hist.addPit(mu, sd, y[p]);
        }
      });
      progress(`bootstrap ${key}`, 0, 1);
      const skill = acc.result('raw10');
      blocks = skill.blocks;
      const raw5Ref = acc.result('raw5'); // same replicates (same seed): the raw5 yardstick
      const strongest = EMOS_METHODS.filter((m) => skill.methods[m]).reduce((a, b) =>
        skill.methods[b].scores.crps.value < skill.methods[a].scores.crps.value ? b : a,
      );
      const vsStrongest = acc.result(strongest);
      progress(`bootstrap ${key}`, 1, 1);
      const means = (r: Record<Method, MeanScore>) =>
        Object.fromEntries(METHODS.filter((m) => r[m].n > 0).map((m) => [m, r[m].mean])) as MethodScores;
      const c = means(all);
      const ce = means(obs);
      const imp = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? 1 - a / b : NaN);
      const best = (m: string) =>
        Math.min(...['crps', 'crps_fair', 'crps_gaussian'].map((e) => skill.methods[m].scores[e].value));
      targets.push({
        target: key,
        crps: c,
        crpsObsConditioned: ce,
        obsConditionedPoints: obs.mixed.n,
        events: events.map((e, ei) => ({ name: e.name, points: ev[ei].mixed.n, crps: means(ev[ei]) })),
        improvement: {
          vsRaw10: skill.improvement.mixed.crps.value,
          vsRaw5: imp(c.mixed, best('raw5')),
          vsEmosPointwise: imp(c.mixed, c.emos_pointwise),
          vsEmosGlobal: imp(c.mixed, c.emos_global),
          twcrpsUpperVsRaw10: skill.improvement.mixed.twcrps_upper.value,
          servedVsRaw10: skill.improvement.mixed_fallback.crps.value,
          servedTwcrpsUpperVsRaw10: skill.improvement.mixed_fallback.twcrps_upper.value,
        },
        reference: {
          raw10: `raw10 ${skill.reference.crps.score}`,
          raw5: `raw5 ${raw5Ref.reference.crps.score}`,
        },
        strongestBaseline: {
          method: strongest,
          crps: skill.methods[strongest].scores.crps.value,
          mixed: vsStrongest.improvement.mixed.crps,
          served: vsStrongest.improvement.mixed_fallback.crps,
          servedTwcrpsUpper: vsStrongest.improvement.mixed_fallback.twcrps_upper,
          closesGap: vsStrongest.improvement.mixed_fallback.crps.lo <= 0,
        },
        emosNotFitted: notFitted,
        emosNotConverged: Object.fromEntries(Object.entries(ext).map(([m, x]) => [m, x.e.notConverged])),
        skill,
        gapClosed: gap(c, c.mixed),
        gapClosedEmosPointwise:
          c.perfect50 !== undefined
            ? { subset: gap(c, c.emos_pointwise)!, all: gap(c, c.emos_pointwise_all)! }
            : null,
        ssr: { mixed: ssMixed.ssr, raw10: ss10.ssr, raw5: ss5.ssr },
        rmse: { mixed: ssMixed.rmse, raw10: ss10.rmse },
        rankHistogramRaw10: hist.rank,
        pitHistogramMixed: hist.pit,
      });
    }
    return {
      split,
      samples: test.length,
      leadHours: lead,
      members: k,
      weights: appliedWeights(grid, weightsKind),
      bootstrap: { replicates, seed, blockDays: 7, blocks },
      analysis: {
        mixed: ANALYSIS_SOURCE_TEXT.analysis,
        mixed_fallback: ANALYSIS_SOURCE_TEXT['fallback-subset-mean-step0'],
      },
      targets,
    };
  } finally {
    model.dispose();
  }
}

/** The summary kept in a model's manifest (`epp evaluate --write`): no histograms, plus where it was measured. */
export function scoresForManifest(r: EvaluationReport, dataDir: string): Record<string, unknown> {
  return {
    measuredAt: new Date().toISOString(),
    data: dataDir,
    samples: r.samples,
    weights: r.weights,
    leadHours: r.leadHours,
    members: r.members,
    targets: Object.fromEntries(
      r.targets.map((t) => [
        t.target,
        {
          crps: t.crps,
          crpsObsConditioned: t.crpsObsConditioned,
          improvement: t.improvement,
          reference: t.reference,
          skill: { reference: t.skill.reference, improvement: t.skill.improvement },
          gapClosed: t.gapClosed,
          gapClosedEmosPointwise: t.gapClosedEmosPointwise,
          ssr: t.ssr,
        },
      ]),
    ),
  };
}
