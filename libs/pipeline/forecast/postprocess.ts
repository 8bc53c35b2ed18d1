/**
 * `epp postprocess` / service method `mixed`: run the mixed model on a forecast file and write calibrated
 * products (DESIGN §3, IMPROVER-style names): `<target>_mean`, `<target>_std`, `<target>(percentile)`,
 * `probability_of_<target>_above_threshold(threshold)`, and ECC members `<target>(realization)` in a sibling
 * `_realizations.nc` file. How a file becomes model inputs and μ, σ: predictGaussian.ts (shared with the
 * service's `mixed` method).
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import { eccLevels, eccReorder } from '../../ensemble/ecc.js';
import { normCdf, normalQuantile } from '../../ensemble/normal.js';
import { parseTargetKey, predictorKeys } from '../../model/config.js';
import { loadModelFolder } from '../../model/folder.js';
import { openDataset } from '../../netcdf/open.js';
import type { FileSpec, VariableSpec } from '../../netcdf/types.js';
import { writeNetcdf } from '../../netcdf/write.js';
import { buildModelInput, ANALYSIS_SOURCE_TEXT, type AnalysisSource } from '../../model/features.js';
import {
  checkDomain,
  modelProvenance,
  type DomainCheck,
  type ModelProvenance,
} from '../../model/provenance.js';
import { predictGaussian, readModelSamples, type ModelSample } from './predictGaussian.js';

export type Product = 'mean' | 'std' | 'percentiles' | 'probabilities' | 'realizations';
export const ALL_PRODUCTS: Product[] = ['mean', 'std', 'percentiles', 'probabilities', 'realizations'];

export interface PostprocessOptions {
  modelDir: string;
  forecastPath: string;
  /** Restrict the output to one target: variable name (`t`) and level (850). Default: every target. */
  variable?: string;
  level?: number;
  /** Member ids (values of the member coordinate) forming the subset; default: the first k members. */
  members?: number[];
  products?: Product[];
  percentiles?: number[];
  /** Thresholds for probabilities (units of the single selected target). */
  thresholds?: number[];
  outPath: string;
  onProgress?: (done: number, total: number) => void;
}

export interface PostprocessResult {
  files: string[];
  targets: string[];
  validTimes: number[];
  samples: number;
  msPerSample: number;
  sigmaMin: number;
  /** Model id, version hash, training data (name, fingerprint, kind), method and members. */
  provenance: ModelProvenance;
  /** Which analysis fed the network (the fallback when the input carries none). */
  analysisSource: AnalysisSource;
  /** The input compared with the training data (grid/variables are checked before: MismatchError). */
  domain: DomainCheck;
}

/** Global attributes of a product: provenance, analysis source and domain of use (issue 14). */
export function provenanceAttributes(
  p: ModelProvenance,
  analysis: AnalysisSource,
  domain: DomainCheck,
): Record<string, string> {
  return {
    epp_model_id: p.model_id,
    epp_model_version_hash: p.model_version_hash,
    epp_training_data: p.training_data,
    epp_training_data_fingerprint: p.training_data_fingerprint,
    epp_training_data_kind: p.training_data_kind,
    epp_method: p.method,
    epp_members: p.members,
    epp_analysis_source: ANALYSIS_SOURCE_TEXT[analysis],
    epp_domain_of_use: domain.inside ? 'inside the training data' : 'OUTSIDE the training data',
    ...(domain.warnings.length ? { epp_domain_warning: domain.warnings.join('; ') } : {}),
  };
}

function validate(o: PostprocessOptions): Product[] {
  const products = o.products ?? ['mean', 'std'];
  for (const p of products)
    if (!ALL_PRODUCTS.includes(p))
      throw new InvalidArgumentError(`unknown product '${p}' (${ALL_PRODUCTS.join(', ')})`);
  for (const p of o.percentiles ?? [])
    if (!(p > 0 && p < 100))
      throw new InvalidArgumentError(`percentile ${p} must be strictly between 0 and 100`);
  if (products.includes('percentiles') && !(o.percentiles ?? []).length)
    throw new InvalidArgumentError('product percentiles needs --percentiles');
  if (products.includes('probabilities') && !(o.thresholds ?? []).length)
    throw new InvalidArgumentError('product probabilities needs --thresholds');
  return products;
}

export async function postprocessWithModel(o: PostprocessOptions): Promise<PostprocessResult> {
  const products = validate(o);
  const { model, manifest } = await loadModelFolder(o.modelDir);
  const ds = await openDataset(o.forecastPath);
  try {
    const cfg = model.config;
    let tIdx = cfg.targets.map((_, i) => i);
    if (o.variable !== undefined) {
      tIdx = tIdx.filter((i) => {
        const t = parseTargetKey(cfg.targets[i]);
        return t.variable === o.variable && (o.level === undefined || t.level === o.level);
      });
      if (!tIdx.length)
        throw new InvalidArgumentError(
          `the model predicts ${cfg.targets.join(', ')}, not ${o.variable}${o.level ?? ''}`,
        );
    }
    if (products.includes('probabilities') && tIdx.length > 1)
      throw new InvalidArgumentError(
        'probabilities need one target (thresholds have its units): pass --variable and --level',
      );
    const samples = readModelSamples(ds, model, { members: o.members });
    const k = cfg.members;
    const n = model.grid.ny * model.grid.nx;
    const results: { mu: Float32Array[]; sigma: Float32Array[] }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < samples.length; i++) {
      results.push(await predictGaussian(model, samples[i]));
      o.onProgress?.(i + 1, samples.length);
    }
    const msPerSample = (performance.now() - t0) / samples.length;
    const provenance = modelProvenance(o.modelDir, manifest, 'mixed', o.members ?? k);
    const first = samples[0];
    const { raw: firstRaw } = buildModelInput(
      { ny: model.grid.ny, nx: model.grid.nx, ens: first.ens, analysis: first.analysis },
      cfg,
    );
    const domain = checkDomain(firstRaw, cfg, model.stats, provenance);
    const analysisSource = first.analysisSource;
    const extraAttrs = provenanceAttributes(provenance, analysisSource, domain);
    const keys = predictorKeys(cfg);
    const last = cfg.leads.length - 1;
    const spec = productSpec(o, products, model.grid, samples, results, tIdx, cfg.targets, false, () => null);
    Object.assign(spec.attrs!, extraAttrs);
    const files = [o.outPath];
    await writeNetcdf(o.outPath, spec);
    if (products.includes('realizations')) {
      const rpath = o.outPath.replace(/(\.nc)?$/, '_realizations.nc');
      const rspec = productSpec(
        o,
        products,
        model.grid,
        samples,
        results,
        tIdx,
        cfg.targets,
        true,
        (s, t) => {
          const raw = samples[s].ens[last][keys.indexOf(cfg.targets[t])];
          const q = new Float32Array(k * n);
          eccLevels(k).forEach((lv, m) => {
            for (let p = 0; p < n; p++)
              q[m * n + p] = normalQuantile(lv, results[s].mu[t][p], results[s].sigma[t][p]);
          });
          return eccReorder({ data: raw, members: k, points: n }, q);
        },
      );
      Object.assign(rspec.attrs!, extraAttrs);
      await writeNetcdf(rpath, rspec);
      files.push(rpath);
    }
    let sigmaMin = Infinity;
    for (const r of results)
      for (const t of tIdx) for (const v of r.sigma[t]) sigmaMin = Math.min(sigmaMin, v);
    return {
      files,
      targets: tIdx.map((t) => cfg.targets[t]),
      validTimes: samples.map((s) => s.validTime),
      samples: samples.length,
      msPerSample,
      sigmaMin,
      provenance,
      analysisSource,
      domain,
    };
  } finally {
    ds.close();
    model.dispose();
  }
}

const STANDARD: Record<string, string> = {
  t: 'air_temperature',
  z: 'geopotential',
  u: 'eastward_wind',
  v: 'northward_wind',
  q: 'specific_humidity',
};
const UNITS: Record<string, string> = { t: 'K', z: 'm2 s-2', u: 'm s-1', v: 'm s-1', q: 'kg kg-1' };

function productSpec(
  o: PostprocessOptions,
  products: Product[],
  grid: { ny: number; nx: number; latitudes: number[]; longitudes: number[] },
  samples: ModelSample[],
  results: { mu: Float32Array[]; sigma: Float32Array[] }[],
  tIdx: number[],
  targets: string[],
  realizations: boolean,
  members: (s: number, t: number) => Float32Array | null,
): FileSpec {
  const n = grid.ny * grid.nx;
  const T = samples.length;
  const pcs = o.percentiles ?? [];
  const ths = o.thresholds ?? [];
  const wantP = !realizations && products.includes('percentiles');
  const wantQ = !realizations && products.includes('probabilities');
  const k = realizations ? members(0, tIdx[0])!.length / n : 0;
  const dimensions = [
    { name: 'time', size: T },
    ...(wantP ? [{ name: 'percentile', size: pcs.length }] : []),
    ...(wantQ ? [{ name: 'threshold', size: ths.length }] : []),
    ...(realizations ? [{ name: 'realization', size: k }] : []),
    { name: 'latitude', size: grid.ny },
    { name: 'longitude', size: grid.nx },
  ];
  const variables: VariableSpec[] = [
    {
      name: 'time',
      dtype: 'double',
      dims: ['time'],
      data: samples.map((s) => s.validTime),
      attrs: {
        units: 'seconds since 1970-01-01 00:00:00',
        standard_name: 'time',
        calendar: 'standard',
        axis: 'T',
      },
    },
    {
      name: 'latitude',
      dtype: 'double',
      dims: ['latitude'],
      data: grid.latitudes,
      attrs: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' },
    },
    {
      name: 'longitude',
      dtype: 'double',
      dims: ['longitude'],
      data: grid.longitudes,
      attrs: { units: 'degrees_east', standard_name: 'longitude', axis: 'X' },
    },
  ];
  if (wantP)
    variables.push({
      name: 'percentile',
      dtype: 'float',
      dims: ['percentile'],
      data: pcs,
      attrs: { units: '%', long_name: 'percentile' },
    });
  if (realizations)
    variables.push({
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: Array.from({ length: k }, (_, i) => i),
      attrs: { units: '1', standard_name: 'realization' },
    });
  for (const t of tIdx) {
    const key = targets[t];
    const { variable, level } = parseTargetKey(key);
    const attrs = (what: string) => ({
      long_name: `${what} of the post-processed ${STANDARD[variable] ?? variable} at ${level} hPa (mixed model, Gaussian)`,
      units: UNITS[variable] ?? '1',
      pressure_level_hPa: level,
    });
    const stack = (f: (s: number) => Float32Array) => {
      const out = new Float32Array(T * f(0).length);
      for (let s = 0; s < T; s++) out.set(f(s), s * f(0).length);
      return out;
    };
    if (realizations) {
      variables.push({
        name: key,
        dtype: 'float',
        dims: ['time', 'realization', 'latitude', 'longitude'],
        data: stack((s) => members(s, t)!),
        attrs: { ...attrs('ECC members'), standard_name: STANDARD[variable] ?? variable },
      });
      continue;
    }
    if (products.includes('mean'))
      variables.push({
        name: `${key}_mean`,
        dtype: 'float',
        dims: ['time', 'latitude', 'longitude'],
        data: stack((s) => results[s].mu[t]),
        attrs: attrs('mean'),
      });
    if (products.includes('std'))
      variables.push({
        name: `${key}_std`,
        dtype: 'float',
        dims: ['time', 'latitude', 'longitude'],
        data: stack((s) => results[s].sigma[t]),
        attrs: attrs('standard deviation'),
      });
    if (wantP)
      variables.push({
        name: key,
        dtype: 'float',
        dims: ['time', 'percentile', 'latitude', 'longitude'],
        data: stack((s) => {
          const out = new Float32Array(pcs.length * n);
          pcs.forEach((pc, j) => {
            for (let p = 0; p < n; p++)
              out[j * n + p] = normalQuantile(pc / 100, results[s].mu[t][p], results[s].sigma[t][p]);
          });
          return out;
        }),
        attrs: { ...attrs('percentiles'), standard_name: STANDARD[variable] ?? variable },
      });
    if (wantQ) {
      variables.push({
        name: 'threshold',
        dtype: 'float',
        dims: ['threshold'],
        data: ths,
        attrs: { units: UNITS[variable] ?? '1', long_name: key, spp__relative_to_threshold: 'greater_than' },
      });
      variables.push({
        name: `probability_of_${key}_above_threshold`,
        dtype: 'float',
        dims: ['time', 'threshold', 'latitude', 'longitude'],
        data: stack((s) => {
          const out = new Float32Array(ths.length * n);
          ths.forEach((th, j) => {
            for (let p = 0; p < n; p++)
              out[j * n + p] = 1 - normCdf((th - results[s].mu[t][p]) / results[s].sigma[t][p]);
          });
          return out;
        }),
        attrs: { long_name: `probability_of_${key}_above_threshold`, units: '1' },
      });
    }
  }
  return {
    dimensions,
    variables,
    attrs: {
      title: `Post-processed ${tIdx.map((t) => targets[t]).join(', ')} (mixed prediction and post-processing model)`,
      source: `epp mixed model ${o.modelDir} applied to ${o.forecastPath}`,
      institution: 'epp',
      history: `${new Date().toISOString()} epp postprocess`,
      Conventions: 'CF-1.8',
    },
  };
}
