/**
 * The three post-processing methods behind one call: `raw` (statistics of the raw member subset),
 * `emos` (IMPROVER-parameterised EMOS with coefficients fitted by EstimateEmos, stored as
 * `<dataDir>/models/<model>/emos/<variable><level>.nc`) and `mixed` (the deep model of libs/model).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ForecastRequest } from '../../contracts/jobs.js';
import type { EnsembleField } from '../../ensemble/types.js';
import { InvalidArgumentError, ModelNotFoundError } from '../../contracts/errors.js';
import { ApplyEmos, readCoefficients } from '../../emos/index.js';
import { openDataset } from '../../netcdf/index.js';
import { cropToBbox, rawProducts, type ProductSet } from './products.js';
import { checkMixedRequest, mixedProducts, type MixedOptions } from './mixed.js';

/** Where EMOS coefficients for a variable/level live, relative to the data root (e.g. models/default/emos/t850.nc). */
export function emosCoefficientsPath(req: Pick<ForecastRequest, 'model' | 'variable' | 'level'>): string {
  return `models/${req.model}/emos/${req.variable}${req.level ?? ''}.nc`;
}

/**
 * The files one request reads, relative to the data root. The caller resolves each to an absolute path
 * (libs/service/job-paths.ts confines them to the data root; the batch joins them onto its own folder).
 */
export function forecastInputPaths(req: ForecastRequest): {
  source: string;
  model?: string;
  emosCoefficients?: string;
  analysis?: string;
} {
  if (req.method === 'raw') return { source: req.source.path };
  return {
    source: req.source.path,
    model: `models/${req.model}`,
    ...(req.method === 'emos' ? { emosCoefficients: emosCoefficientsPath(req) } : {}),
    ...(req.method === 'mixed' && req.analysis?.path ? { analysis: req.analysis.path } : {}),
  };
}

/** Absolute paths of the files one forecast request reads (see {@link forecastInputPaths}). */
export interface ForecastInputs {
  /** The ensemble file. */
  source: string;
  /** The model folder (`emos` and `mixed`). */
  model?: string;
  /** The EMOS coefficients file (`emos`). */
  emosCoefficients?: string;
  /** The analysis file of a `mixed` request (`analysis.path`). */
  analysis?: string;
}

/** Check that the model a request needs exists (404 at the API when it does not). */
export function checkModelAvailable(req: ForecastRequest, inputs: Omit<ForecastInputs, 'source'>): void {
  if (req.method === 'raw') return;
  // `epp emos apply` names a coefficients file directly: there is no model folder to check.
  const folder = req.method === 'emos' && !inputs.model ? undefined : required(inputs.model, 'model folder');
  if (folder !== undefined && !existsSync(folder))
    throw new ModelNotFoundError(
      `model '${req.model}' does not exist (no folder models/${req.model} under the data root)`,
    );
  if (req.method === 'emos') {
    const coeffs = required(inputs.emosCoefficients, 'EMOS coefficients path');
    if (!existsSync(coeffs))
      throw new ModelNotFoundError(
        `model '${req.model}' has no EMOS coefficients for ${req.variable}${req.level ?? ''} (expected ${emosCoefficientsPath(req)})`,
      );
    emosPlugin(req); // validates percentiles/thresholds for the calibrated distribution
  }
  if (req.method === 'mixed' && !existsSync(path.join(folder!, 'manifest.json')))
    throw new ModelNotFoundError(
      `model '${req.model}' has no manifest.json: it is not a trained mixed model`,
    );
  if (req.method === 'mixed') checkMixedRequest(req, folder!);
}

function required(p: string | undefined, what: string): string {
  if (!p) throw new InvalidArgumentError(`forecast job inputs have no ${what}`);
  return p;
}

function emosPlugin(req: ForecastRequest): ApplyEmos {
  return new ApplyEmos({
    percentiles: req.products.includes('percentiles') ? req.percentiles : [],
    thresholds: req.products.includes('probabilities') ? req.thresholds : [],
    realizations: req.products.includes('realizations'),
  });
}

/** EMOS products: coefficients fitted by EstimateEmos, applied by ApplyEmos (IMPROVER parameterisation). */
async function emosProducts(
  field: EnsembleField,
  req: ForecastRequest,
  inputs: ForecastInputs,
): Promise<ProductSet> {
  const ds = await openDataset(required(inputs.emosCoefficients, 'EMOS coefficients path'));
  let coeffs;
  try {
    coeffs = readCoefficients(ds, field.grid);
  } finally {
    ds.close();
  }
  const cal = emosPlugin(req).process(field, coeffs);
  return {
    field,
    distribution: coeffs.distribution,
    mean: cal.mean,
    std: cal.std,
    ...(cal.percentiles ? { percentiles: cal.percentiles } : {}),
    // A continuous distribution: P(x < t) = 1 − P(x > t).
    ...(cal.probabilities
      ? {
          probabilities: {
            ...cal.probabilities,
            below: Float32Array.from(cal.probabilities.data, (p) => 1 - p),
          },
        }
      : {}),
    ...(cal.realizations
      ? { realizations: { ids: cal.realizations.members, data: cal.realizations.data } }
      : {}),
  };
}

/**
 * Products of one request on the field read from its file (full grid, requested members). `raw` and `emos` work
 * per grid point, so the field is cropped to the bbox first; `mixed` runs its network on the full grid, then crops.
 */
export async function computeProducts(
  field: EnsembleField,
  req: ForecastRequest,
  inputs: ForecastInputs,
  mixed: MixedOptions = {},
): Promise<ProductSet> {
  checkModelAvailable(req, inputs);
  if (req.method === 'mixed') return mixedProducts(field, req, inputs, mixed);
  const cropped = req.bbox ? cropToBbox(field, req.bbox) : field;
  return req.method === 'raw' ? rawProducts(cropped, req) : emosProducts(cropped, req, inputs);
}
