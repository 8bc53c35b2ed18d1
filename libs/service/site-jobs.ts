/**
 * The job boundary of site jobs (issue 12): every file a site request names is resolved inside the data
 * root, the model reference to its version folder, and the outputs to `outputs/<id>/`, before
 * libs/pipeline/sites runs. Also what the API checks before it enqueues (files exist, the model is a site
 * model) and the stamp of the inputs that is part of a job id.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { QueueName } from '../contracts/jobs.js';
import {
  SITE_PREDICTION_FILE,
  SITE_RESULT_FILE,
  normaliseSiteFitRequest,
  normaliseSitePredictRequest,
  type SiteFitJobPayload,
  type SiteFitRequest,
  type SitePredictJobPayload,
  type SitePredictRequest,
} from '../contracts/sites.js';
import { outputDir } from '../pipeline/forecast/index.js';
import {
  runSiteFitJob,
  runSitePredictJob,
  siteModelFolder,
  type SiteFitPaths,
  type SiteJobContext,
  type SitePredictPaths,
} from '../pipeline/sites/job.js';
import { fileStamp, resolveInRoot } from './data-root.js';
import { resolveModelDir } from './job-paths.js';

/** The confined input files and model folder of a fit request (the inputs must exist). */
export function resolveSiteFitPaths(dataDir: string, r: SiteFitRequest): SiteFitPaths {
  return {
    forecast: resolveInRoot(dataDir, r.forecast, { mustExist: true }),
    observations: resolveInRoot(dataDir, r.observations, { mustExist: true }),
    modelDir: resolveInRoot(dataDir, `models/${r.model}`),
  };
}

/** The confined forecast file and site model folder (`models/<id>/v<N>/sites`) of a prediction request. */
export function resolveSitePredictInputs(
  dataDir: string,
  r: SitePredictRequest,
): { forecast: string; siteModel: string } {
  const forecast = resolveInRoot(dataDir, r.forecast, { mustExist: true });
  return { forecast, siteModel: resolveSiteModel(dataDir, r.model) };
}

/** The site model folder (`models/<id>/v<N>/sites`) a model reference names; 404/422 as typed errors. */
export function resolveSiteModel(dataDir: string, ref: string): string {
  return siteModelFolder(resolveModelDir(dataDir, ref), ref);
}

export function resolveSitePredictPaths(
  dataDir: string,
  id: string,
  r: SitePredictRequest,
): SitePredictPaths {
  const outRel = outputDir(id);
  return {
    ...resolveSitePredictInputs(dataDir, r),
    outRel,
    outDir: resolveInRoot(dataDir, outRel),
    tmpDir: resolveInRoot(dataDir, `outputs/.tmp-${id}-${process.pid}-${Date.now()}`),
  };
}

/** `prediction.nc` and `result.json` of a finished site prediction, absolute and confined. */
export function resolveSitePredictionFiles(dataDir: string, id: string): { nc: string; json: string } {
  const dir = outputDir(id);
  return {
    nc: resolveInRoot(dataDir, `${dir}/${SITE_PREDICTION_FILE}`),
    json: resolveInRoot(dataDir, `${dir}/${SITE_RESULT_FILE}`),
  };
}

/** Identity of a request's input files (size and mtime of each), part of its job id. */
export function siteInputStamp(dataDir: string, files: string[]): string {
  return files.map((f) => fileStamp(resolveInRoot(dataDir, f, { mustExist: true }))).join('+');
}

/** Run a site job from the `train` (fit) or `forecast` (predict) queue. */
export function runSiteJob(
  queue: QueueName,
  data: SiteFitJobPayload | SitePredictJobPayload,
  ctx: SiteJobContext & { dataDir: string },
): Promise<unknown> {
  if (!data.id || !data.request) throw new InvalidArgumentError('site job payload needs id and request');
  if (data.kind === 'site-fit') {
    if (queue !== 'train')
      throw new InvalidArgumentError(`a site fit job does not run on the ${queue} queue`);
    const r = normaliseSiteFitRequest(data.request);
    return runSiteFitJob({ ...data, request: r }, resolveSiteFitPaths(ctx.dataDir, r), ctx);
  }
  if (queue !== 'forecast')
    throw new InvalidArgumentError(`a site prediction job does not run on the ${queue} queue`);
  const r = normaliseSitePredictRequest(data.request);
  return runSitePredictJob({ ...data, request: r }, resolveSitePredictPaths(ctx.dataDir, data.id, r), ctx);
}
