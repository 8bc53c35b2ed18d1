/**
 * `epp evaluate`: scores of the mixed model against the baselines on one split of a testbed archive, per
 * target at the target lead (DESIGN §2): CRPS of raw10, raw5 (empirical), EMOS global and point-by-point
 * (fitted on the training years on the same k members, libs/emos), the mixed model (Gaussian closed form)
 * and the perfect-model ensemble; the same on extreme points (truth above its per-point 99th training
 * percentile or below the 1st) and on each labelled event; relative improvements; SSR; rank/PIT histograms.
 */
import type { EmosCoefficients } from '../../emos/types.js';
import type { Grid } from '../../ensemble/types.js';
import { predictorKeys } from '../../model/config.js';
import { loadModelFolder } from '../../model/folder.js';
import type { ModelGrid } from '../../model/mixedModel.js';
import { ANALYSIS_SOURCE_TEXT } from '../../model/features.js';
import {
  SkillAccumulator,
  type Interval,
  type SkillMethodKind,
  type SkillReport,
} from '../../scoring/skill.js';
import { appliedWeights, pointWeights, type AppliedWeights, type WeightKind } from '../../scoring/weights.js';
import { MismatchError } from '../../contracts/errors.js';
import {
  batchesOf,
  indexArchive,
  splitInits,
  streamSamples,
  type LoadedSample,
  type SplitName,
} from '../dataset/index.js';
import {
  applyExtendedEmos,
  minTrainingSamples,
  type ExtendedEmos,
  type ExtendedEmosKind,
} from './baselines.js';
import { extendedSamples, TrainingStats } from './trainingStats.js';
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

/** One target's fitted baselines and running scores while the test split streams past. */
interface TargetScoring {
  eg: EmosCoefficients;
  ep: EmosCoefficients;
  epAll: EmosCoefficients;
  ext: Partial<Record<Method, { e: ExtendedEmos; members: 'subset' | 'all' }>>;
  notFitted: string[];
  q99: Float32Array;
  q01: Float32Array;
  acc: SkillAccumulator;
  all: Record<Method, MeanScore>;
  obs: Record<Method, MeanScore>;
  ev: Record<Method, MeanScore>[];
  ssMixed: SpreadSkill;
  ss10: SpreadSkill;
  ss5: SpreadSkill;
  hist: Histograms;
}

export async function evaluateModel(o: EvaluateOptions): Promise<EvaluationReport> {
  const split = o.split ?? 'test';
  const weightsKind = o.weights ?? 'area';
  const replicates = o.replicates ?? 1000;
  const seed = o.seed ?? 1;
  const progress = o.onProgress ?? (() => undefined);
  const { model } = await loadModelFolder(o.modelDir);
  let stats: TrainingStats | null = null;
  try {
    const cfg = model.config;
    const g = model.grid;
    const grid = toGrid(g);
    const n = g.ny * g.nx;
    const k = cfg.members;
    const lead = cfg.leads[cfg.leads.length - 1];
    const weights = pointWeights(grid, n, weightsKind);
    const index = await indexArchive(o.dataDir);
    const keys = predictorKeys(cfg);
    const z850 = keys.indexOf('z850') >= 0 ? keys.length + keys.indexOf('z850') : null;
    // The training years are read once, in order, and kept on disk as the statistics the fits need; the
    // test split is then read once more, sample by sample (memory does not grow with the years).
    const trainInits = splitInits(index, 'train');
    const testInits = splitInits(index, split);
    stats = await TrainingStats.collect(index, trainInits, cfg, g, grid, {
      k,
      z850,
      lead,
      onProgress: (d, t) => progress('loading train', d, t),
    });
    const M = stats.members;
    const T = stats.times;
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
    // loadSample reads a test initialisation's perfect-model members exactly when the index lists them.
    const hasPerfect = testInits.every((i) => i.perfect !== null);
    const methods = METHODS.filter((m) => m !== 'perfect50' || hasPerfect);
    const scoreboard = () =>
      Object.fromEntries(METHODS.map((m) => [m, new MeanScore()])) as Record<Method, MeanScore>;

    const scoring: TargetScoring[] = [];
    for (let t = 0; t < cfg.targets.length; t++) {
      const key = cfg.targets[t];
      progress(`fitting EMOS ${key}`, 0, 3);
      const eg = stats.fitEmos(t, 'subset', false);
      const ep = stats.fitEmos(t, 'subset', true);
      const epAll = stats.fitEmos(t, 'all', true);
      const ext: TargetScoring['ext'] = {};
      const notFitted: string[] = [];
      const fit: { m: Method; kind: ExtendedEmosKind; members: 'subset' | 'all' }[] = [];
      for (const [m, kind, members] of EXTENDED) {
        if (o.extendedEmos === false) {
          notFitted.push(`${m} (not asked for: --no-extended-emos)`);
          continue;
        }
        if (kind !== 'seasonal' && z850 === null) {
          notFitted.push(`${m} (the model has no z850 predictor)`);
          continue;
        }
        if (T < minTrainingSamples(kind)) {
          notFitted.push(`${m} (${T} training samples < ${minTrainingSamples(kind)})`);
          continue;
        }
        fit.push({ m, kind, members });
      }
      if (fit.length) {
        progress(`fitting EMOS ${key} ${fit.map((f) => f.m).join(', ')}`, 0, 1);
        stats.fitExtended(t, fit).forEach((e, i) => (ext[fit[i].m] = { e, members: fit[i].members }));
      }
      progress(`fitting EMOS ${key}`, 3, 3);
      const [q99, q01] = stats.truthQuantiles(t, [0.99, 0.01]);
      scoring.push({
        eg,
        ep,
        epAll,
        ext,
        notFitted,
        q99,
        q01,
        acc: new SkillAccumulator({
          methods: methods
            .filter((m) => ext[m] || !EXTENDED.some(([x]) => x === m))
            .map((m) => ({ name: m, kind: KIND[m] })),
          sampleTimes: testInits.map((i) => i.time),
          weights,
          upper: q99,
          lower: q01,
          replicates,
          seed,
        }),
        all: scoreboard(),
        obs: scoreboard(),
        ev: events.map(scoreboard),
        ssMixed: new SpreadSkill(),
        ss10: new SpreadSkill(),
        ss5: new SpreadSkill(),
        hist: new Histograms(M),
      });
    }
    stats.dispose();
    stats = null;

    let buf = new Float64Array(Math.max(M, k));
    let sorted = new Float64Array(Math.max(M, k));
    const sortedOf = (arr: Float32Array, m: number, p: number) => {
      for (let i = 0; i < m; i++) sorted[i] = arr[i * n + p];
      sorted.subarray(0, m).sort();
      return sorted;
    };
    const xbuf = new Float64Array(16);
    /** Scores of target t for test sample si (in split order) into its accumulators. */
    const score = (
      t: number,
      s: LoadedSample,
      si: number,
      pred: { mu: Float32Array[]; sigma: Float32Array[] },
      servedPred: { mu: Float32Array[]; sigma: Float32Array[] },
    ) => {
      const { eg, ep, epAll, ext, q99, q01, acc, all, obs, ev, ssMixed, ss10, ss5, hist } = scoring[t];
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
        const mu = pred.mu[t][p];
        const sd = pred.sigma[t][p];
        const muS = servedPred.mu[t][p];
        const sdS = servedPred.sigma[t][p];
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
    };

    // The test split, two samples per prediction call as before, scored as it streams past.
    let si = 0;
    const stream = streamSamples(index, testInits, cfg, { rawMembers: true, perfect: true, fallback: true });
    for await (const batch of batchesOf(stream, 2)) {
      const preds = await model.predict(batch.map((s) => s.raw));
      const served = await model.predict(batch.map((s) => s.rawFallback!));
      for (const [bi, s] of batch.entries()) {
        if (s.memberCount !== M)
          throw new MismatchError(
            `${o.dataDir}: ${split} sample ${new Date(s.init * 1000).toISOString()} has ${s.memberCount} members, the training samples ${M}`,
          );
        const P = s.perfectCount ?? 0;
        if (P > buf.length) {
          buf = new Float64Array(P);
          sorted = new Float64Array(P);
        }
        for (let t = 0; t < cfg.targets.length; t++) score(t, s, si, preds[bi], served[bi]);
        si++;
      }
      progress('predicting and scoring', si, testInits.length);
    }

    const targets: TargetReport[] = [];
    let blocks = 0;
    for (let t = 0; t < cfg.targets.length; t++) {
      const key = cfg.targets[t];
      const { ext, notFitted, acc, all, obs, ev, ssMixed, ss10, ss5, hist } = scoring[t];
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
      samples: testInits.length,
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
    stats?.dispose();
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
