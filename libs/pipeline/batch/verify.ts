/**
 * Verification of one post-processed forecast once its truth has arrived: DESIGN §2 scores (via
 * libs/scoring ScoreSet) of the raw 10-member ensemble, the raw 5-member subset and the post-processed
 * Gaussian N(μ, σ²) against the truth at the same valid time, for the history.
 */
import path from 'node:path';
import { MismatchError } from '../../contracts/errors.js';
import { readEnsemble, readField } from '../../ensemble/read.js';
import type { EnsembleField } from '../../ensemble/types.js';
import { openDataset } from '../../netcdf/open.js';
import { ScoreSet } from '../../scoring/scoreSet.js';
import type { GaussianForecast, Scores } from '../../scoring/types.js';
import type { BatchTarget, ScoreHistoryLine, ScoreSummary, TargetEntry } from './types.js';

function summary(s: Scores): ScoreSummary {
  const { crps, crps_fair, crps_gaussian, rmse, bias, spread, ssr, n, n_missing, weights } = s;
  return { crps, crps_fair, crps_gaussian, rmse, bias, spread, ssr, n, n_missing, weights };
}

/** The lowest (strongest) of raw10's three CRPS estimators (standard, fair, Gaussian) and its name. */
export function strongestRaw10(s: ScoreSummary): {
  estimator: 'crps' | 'crps_fair' | 'crps_gaussian';
  crps: number;
} {
  const all = (['crps', 'crps_fair', 'crps_gaussian'] as const).filter((k) => Number.isFinite(s[k]));
  const estimator = all.reduce((a, b) => (s[b] < s[a] ? b : a), all[0] ?? 'crps');
  return { estimator, crps: s[estimator] };
}

function one<T extends { validTime: number }>(list: T[], t: number, what: string): T {
  const hit = list.filter((f) => f.validTime === t);
  if (hit.length !== 1)
    throw new MismatchError(
      `${what}: expected one field valid at ${new Date(t * 1000).toISOString()}, found ${hit.length}`,
    );
  return hit[0];
}

/**
 * Valid time (epoch s) of the field a batch job post-processes — the longest lead, since batch requests
 * leave `time` unset — from the source's CF coordinates (init + lead). Used when the job's summary could
 * not tell (its reader leaves the valid time of a bare `step` axis unknown).
 */
export async function batchValidTime(dataDir: string, file: string, target: BatchTarget): Promise<number> {
  const fields = await readEnsemble(path.join(dataDir, file), {
    variable: target.variable,
    level: target.level,
    members: [1],
  });
  const times = fields.map((f) => f.validTime).filter(Number.isFinite);
  if (!times.length) throw new MismatchError(`${file}: no valid time can be derived for ${target.name}`);
  return Math.max(...times);
}

/**
 * The job's output `<name>_mean`/`<name>_std` (libs/products names) (one field on the source grid, no bbox in batch requests) as a
 * Gaussian forecast valid with the raw field; read directly because the output's time coordinate may be
 * unknown (see batchValidTime), which the CF reader refuses.
 */
async function readPostprocessed(
  file: string,
  target: BatchTarget,
  raw: EnsembleField,
): Promise<GaussianForecast> {
  const ds = await openDataset(file);
  try {
    const read = (name: string) => {
      const v = ds.readVariable(name);
      if (v.data.length !== raw.ny * raw.nx)
        throw new MismatchError(
          `${file}: ${name} has ${v.data.length} values, the source grid ${raw.ny}×${raw.nx}`,
        );
      return Float32Array.from(v.data);
    };
    return {
      kind: 'gaussian',
      variable: target.variable,
      units: raw.units,
      // The product writer names the diagnostic by its standard_name when the input has one.
      mean: read(`${raw.standardName ?? target.variable}_mean`),
      std: read(`${raw.standardName ?? target.variable}_std`),
      ny: raw.ny,
      nx: raw.nx,
      grid: raw.grid,
      validTime: raw.validTime,
      ...(raw.level !== undefined ? { level: raw.level } : {}),
      source: file,
    };
  } finally {
    ds.close();
  }
}

/**
 * Score raw10, raw5 and the post-processed output of `entry` against `truthRel`: area-weighted means (cos
 * latitude on a lat–lon grid, ScoreSet's default); the skill against raw10's standard CRPS (the paper's) and
 * against its strongest estimator (named).
 */
export async function verifyTarget(
  dataDir: string,
  file: string,
  target: BatchTarget,
  entry: TargetEntry,
  truthRel: string,
  runId: string,
): Promise<ScoreHistoryLine> {
  const vt = entry.validTime!;
  const abs = (rel: string) => path.join(dataDir, rel);
  const sel = { variable: target.variable, level: target.level, time: vt };
  const truth = one(await readField(abs(truthRel), sel), vt, truthRel);
  const raw10 = one(await readEnsemble(abs(file), sel), vt, file);
  const raw5 = one(
    await readEnsemble(abs(file), { ...sel, members: [1, 2, 3, 4, 5] }),
    vt,
    `${file} (members 1-5)`,
  );
  const pp = await readPostprocessed(abs(entry.output!), target, raw10);
  const scorer = new ScoreSet();
  const s10 = scorer.process([{ forecast: raw10, truth }]);
  const s5 = scorer.process([{ forecast: raw5, truth }]);
  const sp = scorer.process([{ forecast: pp, truth }]);
  const strongest = strongestRaw10(s10);
  return {
    runId,
    at: new Date().toISOString(),
    file,
    target: target.name,
    variable: target.variable,
    ...(target.level !== undefined ? { level: target.level } : {}),
    validTime: new Date(vt * 1000).toISOString(),
    truth: truthRel,
    method: entry.method,
    ...(entry.model ? { model: entry.model } : {}),
    jobId: entry.jobId,
    output: entry.output!,
    raw10: summary(s10),
    raw5: summary(s5),
    postprocessed: summary(sp),
    crpsSkillVsRaw10: 1 - sp.crps / s10.crps,
    crpsSkillVsStrongestRaw10: {
      reference: strongest.estimator,
      skill: 1 - sp.crps / strongest.crps,
    },
  };
}
