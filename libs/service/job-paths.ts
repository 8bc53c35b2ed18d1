/**
 * The job boundary: a job's payload names files relative to the data root; here each is resolved to an
 * absolute path confined to that root (libs/service/data-root.ts) before the pipeline sees it. The pipeline
 * never resolves client-named paths itself, so it does not depend on this layer.
 */
import path from 'node:path';
import { InvalidArgumentError } from '../contracts/errors.js';
import { isModelId, type ForecastRequest, type TrainJobPayload } from '../contracts/jobs.js';
import {
  forecastInputPaths,
  outputDir,
  resolveForecastVariable,
  type ForecastInputs,
  type ForecastPaths,
} from '../pipeline/forecast/index.js';
import { resolveModel } from '../pipeline/train/store.js';
import { resolveInRoot } from './data-root.js';

/**
 * The absolute, confined input files of a forecast request (the source must exist). The model folder is the
 * version the request names (`<id>` = its latest) in the data root's model store, or the install's bundled
 * model (libs/pipeline/train/store.ts); a model that exists nowhere is a 404 here. EMOS coefficients are
 * named by the variable's NetCDF name (`t850.nc`), so a request's alias or standard_name (`air_temperature`)
 * is resolved in the source file first.
 */
export async function resolveForecastInputs(dataDir: string, req: ForecastRequest): Promise<ForecastInputs> {
  const source = resolveInRoot(dataDir, req.source.path, { mustExist: true });
  if (req.method === 'raw') return { source };
  const model = resolveModelDir(dataDir, req.model);
  const variable = req.method === 'emos' ? await resolveForecastVariable(req, source) : req.variable;
  const rel = forecastInputPaths({ ...req, variable });
  return {
    source,
    model,
    ...(rel.analysis ? { analysis: resolveInRoot(dataDir, rel.analysis, { mustExist: true }) } : {}),
    ...(rel.emosCoefficients
      ? { emosCoefficients: path.join(model, path.relative(rel.model!, rel.emosCoefficients)) }
      : {}),
  };
}

/** The folder of the model version `ref` names: a data-root one confined to the root, or a bundled one. */
export function resolveModelDir(dataDir: string, ref: string): string {
  const v = resolveModel(dataDir, ref);
  if (v.source === 'bundled') return v.dir;
  return resolveInRoot(dataDir, path.relative(dataDir, v.dir));
}

/** Inputs plus the job's output folder `outputs/<id>` and a temporary sibling, all absolute and confined. */
export async function resolveForecastPaths(
  dataDir: string,
  id: string,
  req: ForecastRequest,
): Promise<ForecastPaths> {
  const inputs = await resolveForecastInputs(dataDir, req);
  const outRel = outputDir(id);
  return {
    ...inputs,
    outRel,
    outDir: resolveInRoot(dataDir, outRel),
    tmpDir: resolveInRoot(dataDir, `outputs/.tmp-${id}-${process.pid}-${Date.now()}`),
  };
}

/** `result.json` and `result.nc` of a finished forecast job, absolute and confined. */
export function resolveForecastResult(dataDir: string, id: string): { json: string; nc: string } {
  const dir = outputDir(id);
  return {
    json: resolveInRoot(dataDir, `${dir}/result.json`),
    nc: resolveInRoot(dataDir, `${dir}/result.nc`),
  };
}

/** The data folder and the model's folder in the store (versions go under it), absolute and confined. */
export function resolveTrainPaths(dataDir: string, p: TrainJobPayload): { data: string; modelDir: string } {
  if (!isModelId(p.model)) throw new InvalidArgumentError('model must be a model id like "default"');
  return {
    data: resolveInRoot(dataDir, p.data, { mustExist: false }),
    modelDir: resolveInRoot(dataDir, `models/${p.model}`),
  };
}
