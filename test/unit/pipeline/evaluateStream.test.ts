/**
 * `epp evaluate` streams its data (libs/pipeline/evaluate/trainingStats): on a generated tiny testbed, the
 * EMOS fits, extreme thresholds and extended variants from the statistics spilled to disk equal bitwise the
 * fits on the whole split loaded in memory (loadSplit, EstimateEmos.process, fitExtendedEmos,
 * pointQuantiles), and evaluateModel's EMOS and raw CRPS equal those recomputed here from the loaded split.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EstimateEmos } from '../../../libs/emos/estimate.js';
import type { EmosCoefficients } from '../../../libs/emos/types.js';
import type { EnsembleField, Field2D } from '../../../libs/ensemble/types.js';
import { selectBackend } from '../../../libs/model/backend.js';
import {
  DEFAULT_MODEL_CONFIG,
  parseTargetKey,
  predictorKeys,
  type ModelConfig,
} from '../../../libs/model/config.js';
import {
  archiveGrid,
  indexArchive,
  loadSplit,
  type ArchiveIndex,
  type LoadedSample,
} from '../../../libs/pipeline/dataset/index.js';
import { fitExtendedEmos, type ExtendedEmosKind } from '../../../libs/pipeline/evaluate/baselines.js';
import { evaluateModel, toGrid, TrainingStats } from '../../../libs/pipeline/evaluate/index.js';
import { ensembleCrpsAt, MeanScore } from '../../../libs/pipeline/evaluate/scores.js';
import { extendedSamples, ROW_BYTES_PER_POINT } from '../../../libs/pipeline/evaluate/trainingStats.js';
import { trainModel } from '../../../libs/pipeline/train/index.js';
import type { ModelGrid } from '../../../libs/model/mixedModel.js';
import { crpsGaussian } from '../../../libs/scoring/crps.js';
import { pointQuantiles } from '../../../libs/scoring/skill.js';
import { pointWeights } from '../../../libs/scoring/weights.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';

let dir: string;
let index: ArchiveIndex;
let g: ModelGrid;
const cfg: ModelConfig = DEFAULT_MODEL_CONFIG;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = mkdtempSync(path.join(tmpdir(), 'epp-evalstream-'));
  await new TestbedGenerator({ preset: 'tiny', seed: 5 }).process(new ArchiveWriter(path.join(dir, 'tb')));
  index = await indexArchive(path.join(dir, 'tb'));
  g = await archiveGrid(index);
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the in-memory evaluation fitted EMOS on: the first m raw members and the truth of each sample. */
function emosInMemory(train: LoadedSample[], t: number, m: number, pointByPoint: boolean): EmosCoefficients {
  const key = cfg.targets[t];
  const { level } = parseTargetKey(key);
  const grid = toGrid(g);
  const n = g.ny * g.nx;
  const lead = cfg.leads[cfg.leads.length - 1];
  const fc: EnsembleField[] = train.map((s) => ({
    variable: key,
    units: '1',
    data: s.rawMembers![t].subarray(0, m * n),
    members: Array.from({ length: m }, (_, i) => i),
    ny: g.ny,
    nx: g.nx,
    grid,
    validTime: s.init + lead * 3600,
    initTime: s.init,
    leadHours: lead,
    level,
    source: `train ${s.init}`,
  }));
  const tr: Field2D[] = train.map((s) => ({
    variable: key,
    units: '1',
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

const z850 = () => {
  const keys = predictorKeys(cfg);
  return keys.indexOf('z850') >= 0 ? keys.length + keys.indexOf('z850') : null;
};

test('EMOS fits and training quantiles from the spilled statistics = the in-memory fits, bitwise', async () => {
  const lead = cfg.leads[cfg.leads.length - 1];
  const inits = index.inits.filter((i) => i.split === 'train');
  const stats = await TrainingStats.collect(index, inits, cfg, g, toGrid(g), {
    k: cfg.members,
    z850: z850(),
    lead,
  });
  // 64 B per (time, point): 4 float64 statistics + the truth and 7 extended fields as float32.
  expect(ROW_BYTES_PER_POINT).toBe(64);
  for (let t = 0; t < cfg.targets.length; t++)
    expect(statSync(path.join(stats.dir, `target-${t}.bin`)).size).toBe(inits.length * g.ny * g.nx * 64);
  try {
    const train = await loadSplit(index, 'train', cfg, { rawMembers: true });
    expect(stats.times).toBe(train.length);
    const M = train[0].memberCount!;
    expect(stats.members).toBe(M);
    for (let t = 0; t < cfg.targets.length; t++) {
      for (const [members, m] of [
        ['subset', cfg.members],
        ['all', M],
      ] as const)
        for (const pbp of [false, true]) {
          const ref = emosInMemory(train, t, m, pbp);
          const got = stats.fitEmos(t, members, pbp);
          for (const f of ['alpha', 'beta', 'gamma', 'delta'] as const) expect(got[f]).toEqual(ref[f]);
          expect(got.samples).toBe(ref.samples);
        }
      const truth = train.map((s) => s.raw.truth![t]);
      const [q99, q01] = stats.truthQuantiles(t, [0.99, 0.01]);
      expect(q99).toEqual(pointQuantiles(truth, 0.99));
      expect(q01).toEqual(pointQuantiles(truth, 0.01));
    }
  } finally {
    stats.dispose();
  }
  // The scratch folder is gone after dispose().
  expect(existsSync(stats.dir)).toBe(false);
}, 120_000);

test('extended EMOS variants fitted block by block from disk = fitExtendedEmos in memory, bitwise', async () => {
  // Every initialisation of the archive as training samples (12 ≥ k + 3 for every variant), so each variant
  // really fits; a block budget of 300 points' fields: 1860 points = 6 blocks of 300 + one of 60, so the
  // warm start crosses block edges and the width comes from the budget (the default gives 512 here).
  const lead = cfg.leads[cfg.leads.length - 1];
  const k = cfg.members;
  const stats = await TrainingStats.collect(index, index.inits, cfg, g, toGrid(g), { k, z850: z850(), lead });
  try {
    const all: LoadedSample[] = [];
    for (const split of ['train', 'val', 'test'] as const)
      all.push(...(await loadSplit(index, split, cfg, { rawMembers: true })));
    all.sort((a, b) => a.init - b.init);
    expect(stats.times).toBe(all.length);
    const variants: { kind: ExtendedEmosKind; members: 'subset' | 'all' }[] = [
      { kind: 'seasonal', members: 'subset' },
      { kind: 'local', members: 'subset' },
      { kind: 'seasonal_local', members: 'subset' },
      { kind: 'seasonal_local', members: 'all' },
    ];
    for (let t = 0; t < cfg.targets.length; t++) {
      const got = stats.fitExtended(t, variants, 300 * 8 * 4 * stats.times);
      const ext = all.map((s) => extendedSamples(s, t, k, lead, g, z850()));
      const truths = all.map((s) => s.raw.truth![t]);
      variants.forEach((v, i) => {
        const ref = fitExtendedEmos(
          v.kind,
          ext.map((x) => x[v.members]),
          truths,
          g.ny * g.nx,
        );
        expect(ref.unfitted).toBe(0);
        expect(got[i].coef).toEqual(ref.coef);
        expect(got[i].notConverged).toBe(ref.notConverged);
      });
    }
  } finally {
    stats.dispose();
  }
}, 180_000);

test('evaluateModel (streamed) gives the EMOS and raw CRPS recomputed from the split loaded in memory', async () => {
  const modelDir = path.join(dir, 'model');
  await trainModel({
    dataDir: path.join(dir, 'tb'),
    outDir: modelDir,
    task: 'mixed',
    epochs: 1,
    maxTrainSamples: 2,
    config: { ...cfg, bcFilters: 2, bcLevels: 1, uqFilters: 2, uqBlocks: 1, uqBranchFilters: 1 },
  });
  const r = await evaluateModel({
    modelDir,
    dataDir: path.join(dir, 'tb'),
    replicates: 10,
    extendedEmos: false,
  });
  const train = await loadSplit(index, 'train', cfg, { rawMembers: true });
  const test = await loadSplit(index, 'test', cfg, { rawMembers: true });
  const n = g.ny * g.nx;
  const k = cfg.members;
  const M = test[0].memberCount!;
  const w = pointWeights(toGrid(g), n, 'area');
  const buf = new Float64Array(M);
  const at = (c: EmosCoefficients, p: number, mean: number, v: number): [number, number] => {
    const i = c.pointByPoint ? p : 0;
    return [c.alpha[i] + c.beta[i] * mean, Math.sqrt(c.gamma[i] ** 2 + c.delta[i] ** 2 * v)];
  };
  for (let t = 0; t < cfg.targets.length; t++) {
    const fits = {
      emos_global: [emosInMemory(train, t, k, false), k],
      emos_pointwise: [emosInMemory(train, t, k, true), k],
      emos_pointwise_all: [emosInMemory(train, t, M, true), M],
    } as const;
    const scores = {
      raw10: new MeanScore(),
      emos_global: new MeanScore(),
      emos_pointwise: new MeanScore(),
      emos_pointwise_all: new MeanScore(),
    };
    for (const s of test) {
      const raw = s.rawMembers![t];
      const y = s.raw.truth![t];
      for (let p = 0; p < n; p++) {
        scores.raw10.add(ensembleCrpsAt(raw, M, n, p, y[p], buf), w[p]);
        for (const [name, [c, m]] of Object.entries(fits) as [
          keyof typeof fits,
          [EmosCoefficients, number],
        ][]) {
          let mean = 0;
          for (let i = 0; i < m; i++) mean += raw[i * n + p];
          mean /= m;
          let v = 0;
          for (let i = 0; i < m; i++) v += (raw[i * n + p] - mean) ** 2;
          const [mu, sd] = at(c, p, mean, v / (m - 1));
          scores[name].add(crpsGaussian(mu, sd, y[p]), w[p]);
        }
      }
    }
    for (const [name, sc] of Object.entries(scores))
      expect(r.targets[t].crps[name as keyof typeof scores]).toBe(sc.mean);
  }
  expect(r.samples).toBe(test.length);
}, 300_000);
