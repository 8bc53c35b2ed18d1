/**
 * `epp postprocess`: run the mixed model on a forecast file and write calibrated products through the one
 * product writer (libs/products: `<name>_mean`, `<name>_std`, `<name>(percentile)`,
 * `probability_of_<name>_above/_below_threshold(threshold)`, `<name>` = the standard name, e.g.
 * air_temperature with a scalar `pressure`), one diagnostic per file (`<out>_<target>.nc` when the model has
 * several targets), ECC members `<name>(realization)` in a sibling `_realizations.nc` file. How a file becomes model inputs and μ, σ: predictGaussian.ts (shared with the
 * service's `mixed` method).
 */
import path from 'node:path';
import { InvalidArgumentError } from '../../contracts/errors.js';
import { eccLevels, eccReorder } from '../../ensemble/ecc.js';
import { normCdf, normalQuantile } from '../../ensemble/normal.js';
import { parseTargetKey, predictorKeys } from '../../model/config.js';
import { loadModelFolder } from '../../model/folder.js';
import { openDataset } from '../../netcdf/open.js';
import { writeNetcdf } from '../../netcdf/write.js';
import type { Grid } from '../../ensemble/types.js';
import {
  productFileSpec,
  type ProductInput,
  type ProductKind,
  type ProductTime,
} from '../../products/index.js';
import { productHistory, sha256File } from './assemble.js';
import { buildModelInput, type AnalysisSource } from '../../model/features.js';
import {
  checkDomain,
  modelProvenance,
  provenanceAttributes,
  type DomainCheck,
  type ModelProvenance,
} from '../../model/provenance.js';
import { withAnalysis, type AnalysisSpec } from './analysis.js';
import { predictGaussian, readModelSamples } from './predictGaussian.js';

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
  /** The analysis at the initialisation (a file and/or variable names); default the fallback (said so). */
  analysis?: AnalysisSpec;
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
    const samples = await withAnalysis(ds, model, o.analysis, (analysis) =>
      readModelSamples(ds, model, { members: o.members, analysis }),
    );
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
    const extra = provenanceAttributes(provenance, analysisSource, domain);
    const keys = predictorKeys(cfg);
    const last = cfg.leads.length - 1;
    const grid = latLonGrid(model.grid.latitudes, model.grid.longitudes);
    const inputSha = sha256File(o.forecastPath);
    const manifestSha = sha256File(path.join(o.modelDir, 'manifest.json'));
    const history = productHistory('mixed');
    const files: string[] = [];
    for (const t of tIdx) {
      const key = cfg.targets[t];
      const { variable, level } = parseTargetKey(key);
      const v = ds.hasVariable(variable) ? ds.variable(variable) : undefined;
      const std = typeof v?.attrs.standard_name === 'string' ? v.attrs.standard_name : STANDARD[variable];
      const units = typeof v?.attrs.units === 'string' ? v.attrs.units : (UNITS[variable] ?? '1');
      const members = (s: number) => {
        const raw = samples[s].ens[last][keys.indexOf(key)];
        const q = new Float32Array(k * n);
        eccLevels(k).forEach((lv, m) => {
          for (let p = 0; p < n; p++)
            q[m * n + p] = normalQuantile(lv, results[s].mu[t][p], results[s].sigma[t][p]);
        });
        return eccReorder({ data: raw, members: k, points: n }, q);
      };
      const pcs = o.percentiles ?? [];
      const ths = o.thresholds ?? [];
      const times: ProductTime[] = samples.map((sample, s) => {
        const mu = results[s].mu[t];
        const sigma = results[s].sigma[t];
        const out: ProductTime = { validTime: sample.validTime, mean: mu, std: sigma };
        if (products.includes('percentiles')) {
          out.percentiles = new Float32Array(pcs.length * n);
          pcs.forEach((pc, j) => {
            for (let p = 0; p < n; p++)
              out.percentiles![j * n + p] = normalQuantile(pc / 100, mu[p], sigma[p]);
          });
        }
        if (products.includes('probabilities')) {
          out.above = new Float32Array(ths.length * n);
          out.below = new Float32Array(ths.length * n);
          ths.forEach((th, j) => {
            for (let p = 0; p < n; p++) {
              const c = normCdf((th - mu[p]) / sigma[p]); // P(x < t) = Φ((t − μ)/σ)
              out.below![j * n + p] = c;
              out.above![j * n + p] = 1 - c;
            }
          });
        }
        if (products.includes('realizations')) out.realizations = members(s);
        return out;
      });
      const input = (kinds: ProductKind[]): ProductInput => ({
        variable,
        ...(std ? { standardName: std } : {}),
        units,
        level,
        grid,
        method: 'mixed',
        distribution: 'norm',
        products: kinds,
        percentiles: pcs,
        thresholds: ths,
        realizationIds: Array.from({ length: k }, (_, i) => i),
        times,
        layout: 'cf',
        inputName: path.basename(o.forecastPath),
        history,
        provenance: {
          method: 'mixed',
          members: provenance.members,
          model: provenance.model_id,
          model_sha256: manifestSha,
          input_file: path.basename(o.forecastPath),
          input_sha256: inputSha,
          input_variable: variable,
          ...Object.fromEntries(
            Object.entries(extra)
              .filter(([a]) => a !== 'epp_method' && a !== 'epp_members')
              .map(([a, b]) => [a.replace(/^epp_/, ''), b]),
          ),
        },
      });
      // One diagnostic per file (IMPROVER): several targets go to `<out>_<target>.nc`.
      const out = tIdx.length === 1 ? o.outPath : o.outPath.replace(/(\.nc)?$/, `_${key}.nc`);
      const main = products.filter((p) => p !== 'realizations');
      if (main.length) {
        await writeNetcdf(out, productFileSpec(input(main)).spec);
        files.push(out);
      }
      if (products.includes('realizations')) {
        const rpath = out.replace(/(\.nc)?$/, '_realizations.nc');
        await writeNetcdf(rpath, productFileSpec(input(['realizations'])).spec);
        files.push(rpath);
      }
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

/** The model's regular latitude–longitude grid as an ensemble Grid. */
function latLonGrid(latitudes: number[], longitudes: number[]): Grid {
  const ny = latitudes.length;
  const nx = longitudes.length;
  const latitude = new Float64Array(ny * nx);
  const longitude = new Float64Array(ny * nx);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      latitude[j * nx + i] = latitudes[j];
      longitude[j * nx + i] = longitudes[i];
    }
  return {
    kind: 'latlon',
    yName: 'latitude',
    xName: 'longitude',
    y: Float64Array.from(latitudes),
    x: Float64Array.from(longitudes),
    latitude,
    longitude,
  };
}
