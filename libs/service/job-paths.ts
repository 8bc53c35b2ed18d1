/**
 * The job boundary: a job's payload names files relative to the data root; here each is resolved to an
 * absolute path confined to that root (libs/service/data-root.ts) before the pipeline sees it. The pipeline
 * never resolves client-named paths itself, so it does not depend on this layer.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { isModelId, type ForecastRequest, type TrainJobPayload } from '../contracts/jobs.js';
import {
  forecastInputPaths,
  outputDir,
  type ForecastInputs,
  type ForecastPaths,
} from '../pipeline/forecast/index.js';
import { resolveInRoot } from './data-root.js';

/** The absolute, confined input files of a forecast request (the source must exist). */
export function resolveForecastInputs(dataDir: string, req: ForecastRequest): ForecastInputs {
  const rel = forecastInputPaths(req);
  return {
    source: resolveInRoot(dataDir, rel.source, { mustExist: true }),
    ...(rel.model ? { model: resolveInRoot(dataDir, rel.model) } : {}),
    ...(rel.emosCoefficients ? { emosCoefficients: resolveInRoot(dataDir, rel.emosCoefficients) } : {}),
  };
}

/** Inputs plus the job's output folder `outputs/<id>` and a temporary sibling, all absolute and confined. */
export function resolveForecastPaths(dataDir: string, id: string, req: ForecastRequest): ForecastPaths {
  const inputs = resolveForecastInputs(dataDir, req);
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

/** The data folder and model output folder of a training job, absolute and confined. */
export function resolveTrainPaths(dataDir: string, p: TrainJobPayload): { data: string; outDir: string } {
  if (!isModelId(p.model)) throw new InvalidArgumentError('model must be a model id like "default"');
  return {
    data: resolveInRoot(dataDir, p.data, { mustExist: false }),
    outDir: resolveInRoot(dataDir, `models/${p.model}`),
  };
}
