/**
 * A whole forecast, start to products: read every selected time of the requested field, run the method on
 * each, and describe the result with the one product writer (libs/products) — names, coordinates and
 * provenance. The service job, the batch (through the job) and `epp emos apply` all call this, so the same
 * request gives the same file whichever way it was made.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ForecastRequest, ProductInfo } from '../../contracts/jobs.js';
import type { EnsembleField } from '../../ensemble/types.js';
import { resolveVariable } from '../../ensemble/variables.js';
import { openDataset } from '../../netcdf/index.js';
import type { FileSpec } from '../../netcdf/types.js';
import { productFileSpec, type ProductInput, type ProductKind } from '../../products/index.js';
import { computeProducts, type ForecastInputs } from './methods.js';
import type { ProductSet } from './products.js';
import { planField, readField } from './read.js';

export interface AssembleOptions {
  tfBackend?: import('../../contracts/config.js').TfBackendName;
  tfThreads?: number;
  /** The `history` line (fixed-width ISO time first). */
  history: string;
  /** The `epp_model` provenance label (default: the request's model id). */
  modelLabel?: string;
  /** Called after each time is computed (progress). */
  onTime?: (done: number, total: number) => void | Promise<void>;
  /** Products to write (default the request's); `epp emos apply` writes the members to a second file. */
  products?: ProductKind[];
}

export interface AssembledForecast {
  spec: FileSpec;
  products: ProductInfo[];
  /** One product set per selected time (fields cropped to the bbox). */
  sets: ProductSet[];
  provenance: Record<string, string | number>;
  /** The same products in another selection (for a second file): same sets, same provenance. */
  respec: (products: ProductKind[]) => { spec: FileSpec; products: ProductInfo[] };
}

/** The `history` line of a product: a fixed-width ISO time, then what made it (no job id: CLI = API). */
export function productHistory(method: string, at = new Date()): string {
  return `${at.toISOString()} epp ${method} post-processing`;
}

/** SHA-256 of a file, hex. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Method, members, model and checksums of inputs: the `epp_*` attributes and the job view's provenance. */
function provenanceOf(
  req: ForecastRequest,
  inputs: ForecastInputs,
  field: EnsembleField,
  modelLabel?: string,
): Record<string, string | number> {
  const modelFile =
    req.method === 'emos'
      ? inputs.emosCoefficients
      : req.method === 'mixed' && inputs.model
        ? path.join(inputs.model, 'manifest.json')
        : undefined;
  return {
    method: req.method,
    members: field.members.join(','),
    ...(req.method !== 'raw' ? { model: modelLabel ?? req.model } : {}),
    ...(modelFile ? { model_sha256: sha256File(modelFile) } : {}),
    input_file: path.basename(req.source.path),
    input_sha256: sha256File(inputs.source),
    input_variable: req.variable,
  };
}

export async function assembleForecast(
  req: ForecastRequest,
  inputs: ForecastInputs,
  o: AssembleOptions,
): Promise<AssembledForecast> {
  const ds = await openDataset(inputs.source);
  let plan;
  let fields: EnsembleField[];
  try {
    // `2t`, `air_temperature` or the NetCDF name: the job works on the NetCDF name.
    req = { ...req, variable: resolveVariable(ds, req.variable) };
    plan = planField(ds, req);
    // The mixed model reads every step of a lead-time axis and predicts one (the last) lead.
    if (req.method === 'mixed' && plan.timeDim === 'step') plan.times = plan.times.slice(-1);
    const p = plan;
    fields = plan.times.map((t) => readField(ds, req, p, t));
  } finally {
    ds.close();
  }
  const sets: ProductSet[] = [];
  for (const [i, field] of fields.entries()) {
    sets.push(
      await computeProducts(field, req, inputs, {
        timeIndex: plan.times[i].index,
        stepAxis: plan.timeDim === 'step',
        tfBackend: o.tfBackend,
        tfThreads: o.tfThreads,
      }),
    );
    await o.onTime?.(i + 1, fields.length);
  }
  const first = sets[0].field;
  const provenance = { ...provenanceOf(req, inputs, first, o.modelLabel), ...sets[0].provenance };
  const describe = (products: ProductKind[]) => {
    const input: ProductInput = {
      variable: req.variable,
      ...(first.standardName ? { standardName: first.standardName } : {}),
      units: first.units,
      ...(first.level !== undefined ? { level: first.level } : {}),
      ...(first.height !== undefined ? { height: first.height } : {}),
      grid: first.grid,
      method: req.method,
      ...(sets[0].distribution ? { distribution: sets[0].distribution } : {}),
      products,
      percentiles: req.percentiles,
      thresholds: req.thresholds,
      realizationIds: sets[0].realizations?.ids ?? first.members,
      times: sets.map((s) => ({
        validTime: s.field.validTime,
        ...(s.field.initTime !== undefined ? { initTime: s.field.initTime } : {}),
        ...(s.field.leadHours !== undefined ? { leadHours: s.field.leadHours } : {}),
        ...(s.field.timeBounds ? { timeBounds: s.field.timeBounds } : {}),
        mean: s.mean,
        std: s.std,
        ...(s.percentiles ? { percentiles: s.percentiles.data } : {}),
        ...(s.probabilities ? { above: s.probabilities.data, below: s.probabilities.below } : {}),
        ...(s.realizations ? { realizations: s.realizations.data } : {}),
      })),
      layout: req.layout ?? 'cf',
      inputName: path.basename(req.source.path),
      history: o.history,
      provenance,
    };
    return productFileSpec(input);
  };
  const { spec, products } = describe(o.products ?? req.products);
  return { spec, products, sets, provenance, respec: describe };
}
