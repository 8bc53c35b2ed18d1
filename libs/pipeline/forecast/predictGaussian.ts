/**
 * Model → N(μ, σ²) for one sample of a forecast file: the one place where a file's fields are turned into the
 * mixed model's inputs (DESIGN §2.3) and run through it. Used by `epp postprocess` (postprocess.ts, every
 * time of a file) and by the service's `mixed` method (mixed.ts, one requested time).
 *
 * Input with a `step` axis = one initialisation (leads taken from `step`). The analysis at t0 is not in a
 * forecast file: when the caller passes one (SampleSelection.analysis) it is used, else the subset mean at
 * step 0 stands in for it — buildModelInput (libs/model/features.ts, the one input builder shared with
 * training and `epp evaluate`) decides, and `analysisSource` says which. Input without a `step` axis (e.g.
 * the ERA5 EDA sample: time × number × level) = one analysis-like ensemble per time: every lead input is
 * filled with that time's members (and the fallback analysis is their mean).
 */
import { MismatchError, NotFoundInFileError } from '../../contracts/errors.js';
import { parseTargetKey, predictorKeys, type ModelConfig } from '../../model/config.js';
import { buildModelInput, type AnalysisSource, type RawSample } from '../../model/features.js';
import type { GaussianForecast, MixedModel } from '../../model/mixedModel.js';
import { predictOnThreads, type ThreadedInference } from '../../model/parallel/inference.js';
import type { Dataset } from '../../netcdf/types.js';
import { readGrid, readLevels, readSteps, requireAll, SlabReader } from '../dataset/index.js';

/** The model's inputs for one valid time: ens[lead][predictorKey] = [member · ny · nx], analysis[predictorKey]. */
export interface ModelSample {
  /** Seconds since 1970-01-01 (NaN when the file has no CF time). */
  validTime: number;
  ens: Float32Array[][];
  /** The analysis at t0 per predictor key, when the request carried one; else the fallback is used. */
  analysis: Float32Array[] | null;
  analysisSource: AnalysisSource;
}

/** A request for a target (variable + level) that the model does not predict (MISMATCH → HTTP 422). */
export class ModelTargetError extends MismatchError {}

/** Index of `variable`/`level` among the model's targets, or ModelTargetError listing what the model offers. */
export function targetIndex(cfg: Pick<ModelConfig, 'targets'>, variable: string, level?: number): number {
  const i = cfg.targets.findIndex((key) => {
    const t = parseTargetKey(key);
    return t.variable === variable && (level === undefined || t.level === level);
  });
  if (i < 0)
    throw new ModelTargetError(
      `the model predicts ${cfg.targets.join(', ')} (variable + level in hPa), not ${variable}${level ?? ''}`,
    );
  return i;
}

export interface SampleSelection {
  /** Member ids (values of the member coordinate) forming the subset; default: the first k members. */
  members?: number[];
  /** Index on the file's time axis (files without `step`); default: every time. */
  time?: number;
  /**
   * The analysis at an initialisation time (seconds since 1970) per predictor key ([ny · nx] each), from the
   * request (a file or variables: analysis.ts readAnalysis); absent = the fallback (subset mean at step 0).
   */
  analysis?: (initTime: number) => Float32Array[];
}

/** Whether two coordinate lists agree to 1e-3 (the file's grid against the model's). */
function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) < 1e-3)) return false;
  return true;
}

/** Check the file against the model (grid, variables, levels, members, leads) and read its samples. */
export function readModelSamples(
  ds: Dataset,
  model: Pick<MixedModel, 'config' | 'grid'>,
  sel: SampleSelection = {},
): ModelSample[] {
  const c = model.config;
  const grid = model.grid;
  const file = ds.path;
  const fg = readGrid(ds);
  if (!same(fg.latitudes, grid.latitudes) || !same(fg.longitudes, grid.longitudes))
    throw new MismatchError(
      `${file}: grid ${fg.latitudes.length}×${fg.longitudes.length} (lat ${fg.latitudes[0]}…${fg.latitudes.at(-1)}, lon ${fg.longitudes[0]}…${fg.longitudes.at(-1)}) differs from the model's ${grid.latitudes.length}×${grid.longitudes.length} (lat ${grid.latitudes[0]}…${grid.latitudes.at(-1)}, lon ${grid.longitudes[0]}…${grid.longitudes.at(-1)})`,
    );
  const levels = readLevels(ds);
  const missingVars = c.predictors.filter((v) => !ds.hasVariable(v));
  const missingLevels = c.levels.filter((l) => !levels.values.includes(l)).map((l) => `${l} hPa`);
  requireAll(
    file,
    'variables/levels',
    [...missingVars, ...missingLevels],
    [...ds.variables.map((v) => v.name), ...levels.values.map((l) => `${l} hPa`)],
  );
  const axis = ds.memberAxis();
  if (!axis)
    throw new NotFoundInFileError(`${file}: no ensemble member axis (the model needs ${c.members} members)`);
  const ids = Array.from(ds.readVariable(axis.name).data);
  let idx: number[];
  if (sel.members) {
    const missing = sel.members.filter((m) => !ids.includes(m));
    requireAll(file, 'members', missing.map(String), ids.map(String));
    idx = sel.members.map((m) => ids.indexOf(m));
  } else idx = ids.slice(0, c.members).map((_, i) => i);
  if (idx.length !== c.members)
    throw new MismatchError(
      `${file}: the model takes ${c.members} members, ${idx.length} ${sel.members ? 'were selected' : 'are in the file'}`,
    );
  // A scalar step of 0 (analyses, as a GRIB file read cfgrib-style presents them) is no lead-time axis: the
  // times are samples, as in a NetCDF file without a step variable.
  const scalarAnalysis = ds.hasVariable('step') && ds.variable('step').dims.length === 0;
  const stepValues = readSteps(ds);
  const steps = scalarAnalysis && stepValues?.length === 1 && stepValues[0] === 0 ? null : stepValues;
  const keys = predictorKeys(c);
  const readers = new Map(c.predictors.map((v) => [v, new SlabReader(ds, v, fg)]));
  const n = fg.latitudes.length * fg.longitudes.length;
  const block = (key: string, at: Record<string, number>) => {
    const { variable, level } = parseTargetKey(key);
    const r = readers.get(variable)!;
    const out = new Float32Array(c.members * n);
    idx.forEach((mi, i) =>
      out.set(
        r.field({
          ...at,
          [axis.name]: mi,
          ...(levels.name ? { [levels.name]: levels.values.indexOf(level) } : {}),
        }),
        i * n,
      ),
    );
    return out;
  };
  const timeName = ['time', 'forecast_reference_time'].find((t) => ds.hasVariable(t));
  const times = timeName ? Array.from(ds.readTime(timeName)) : [0];
  if (steps) {
    requireAll(
      file,
      'lead times (h)',
      c.leads.filter((l) => !steps.includes(l)).map(String),
      steps.map(String),
    );
    const timeAt =
      timeName && ds.variable(timeName).dims.length ? { [ds.variable(timeName).dims[0]]: 0 } : {};
    const ens = c.leads.map((l) => keys.map((key) => block(key, { ...timeAt, step: steps.indexOf(l) })));
    const analysis = sel.analysis?.(timeName ? times[0] : NaN) ?? null;
    return [
      {
        validTime: times[0] + c.leads[c.leads.length - 1] * 3600,
        ens,
        analysis,
        analysisSource: analysis ? 'analysis' : 'fallback-subset-mean-step0',
      },
    ];
  }
  const tdim = timeName ? ds.variable(timeName).dims[0] : undefined;
  let wanted = times.map((_, i) => i);
  if (sel.time !== undefined) {
    if (!(Number.isInteger(sel.time) && sel.time >= 0 && sel.time < times.length))
      throw new MismatchError(`${file}: time index ${sel.time} is out of range (${times.length} times)`);
    wanted = [sel.time];
  }
  return wanted.map((ti) => {
    const fields = keys.map((key) => block(key, tdim ? { [tdim]: ti } : {}));
    const analysis = sel.analysis?.(timeName ? times[ti] : NaN) ?? null;
    return {
      validTime: times[ti],
      ens: c.leads.map(() => fields),
      analysis,
      analysisSource: analysis ? 'analysis' : 'fallback-subset-mean-step0',
    };
  });
}

/**
 * Run the mixed model on one sample: μ = subset mean + BC residual, σ = UQ softplus output (DESIGN §2.3,
 * Grönquist et al. 2021 eqs. 3–5); per target in config order, [ny · nx] each, physical units. With
 * `threads` > 1 (EPP_TF_THREADS) a large grid's tile windows spread over the tensor threads
 * (libs/model/parallel/inference.ts); a small grid runs in this thread.
 */
export async function predictGaussian(
  model: MixedModel,
  sample: ModelSample,
  o: ThreadedInference = {},
  raw: RawSample = sampleInput(model, sample),
): Promise<GaussianForecast> {
  return (await predictOnThreads(model, [raw], o))[0];
}

/** The model's raw input of one sample (buildModelInput); pass it to predictGaussian when it is needed twice. */
export function sampleInput(model: Pick<MixedModel, 'grid' | 'config'>, sample: ModelSample): RawSample {
  return buildModelInput(
    { ny: model.grid.ny, nx: model.grid.nx, ens: sample.ens, analysis: sample.analysis },
    model.config,
  ).raw;
}
