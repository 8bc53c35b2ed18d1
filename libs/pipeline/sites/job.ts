/**
 * Site jobs (issue 12) on top of libs/sites: a fit job trains an EMOS or DRN site model into a temporary
 * folder and publishes it as the next version of `models/<id>` (libs/pipeline/train/store.ts), a predict job
 * writes the CF timeSeries prediction (`epp sites predict`'s file) and a result.json into `outputs/<id>/`
 * atomically. Every path arrives absolute and already confined to the data root (libs/service/site-paths.ts).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TfBackendName } from '../../contracts/config.js';
import { InvalidArgumentError, ModelError } from '../../contracts/errors.js';
import type { ProgressFn } from '../../contracts/jobs.js';
import {
  SITE_MODEL_SUBDIR,
  SITE_PARAMETERS_FILE,
  SITE_PREDICTION_FILE,
  SITE_RESULT_FILE,
  normaliseSiteFitRequest,
  normaliseSitePredictRequest,
  type SiteFitJobPayload,
  type SiteFitJobResult,
  type SitePredictJobPayload,
  type SitePredictJobResult,
} from '../../contracts/sites.js';
import { fitSiteFiles, predictSiteFiles } from '../../sites/files.js';
import { MODEL_FILE, loadSiteModel } from '../../sites/model.js';
import { publishModelVersion, stagingDir } from '../train/store.js';

export interface SiteJobContext {
  onProgress: ProgressFn;
  signal?: AbortSignal;
  tfBackend?: TfBackendName;
  tfThreads?: number;
}

export interface SiteFitPaths {
  forecast: string;
  observations: string;
  /** `models/<id>` (absolute): versions are published under it. */
  modelDir: string;
}

export interface SitePredictPaths {
  forecast: string;
  /** The site model's folder (`models/<id>/v<N>/sites`, holding model.json). */
  siteModel: string;
  /** `outputs/<id>` relative to the data root, the absolute final folder and a temporary sibling. */
  outRel: string;
  outDir: string;
  tmpDir: string;
}

const seconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

async function tensorBackend(ctx: SiteJobContext): Promise<void> {
  const { selectBackend } = await import('../../model/backend.js');
  await selectBackend(ctx.tfBackend ?? 'auto', { threads: ctx.tfThreads });
}

/** The folder of a site model version (`<version>/sites`), or a ModelError naming what the version is. */
export function siteModelFolder(versionDir: string, ref: string): string {
  const dir = path.join(versionDir, SITE_MODEL_SUBDIR);
  if (!existsSync(path.join(dir, MODEL_FILE)))
    throw new ModelError(
      `model ${JSON.stringify(ref)} is not a site model (its version has no ${SITE_MODEL_SUBDIR}/${MODEL_FILE}; fit one with POST /v1/sites/models)`,
    );
  return dir;
}

/** Fit a site model and publish it as the next version of its model folder. */
export async function runSiteFitJob(
  payload: SiteFitJobPayload,
  paths: SiteFitPaths,
  ctx: SiteJobContext,
): Promise<SiteFitJobResult> {
  const r = normaliseSiteFitRequest(payload.request);
  const staged = stagingDir(paths.modelDir, payload.id);
  rmSync(staged, { recursive: true, force: true });
  if (r.method === 'drn') await tensorBackend(ctx);
  await ctx.onProgress(0.02, 'reading');
  try {
    let last = -1;
    const { model, hash } = await fitSiteFiles({
      forecast: paths.forecast,
      observations: paths.observations,
      variable: r.variable,
      method: r.method,
      members: r.members,
      trainFrom: seconds(r.trainFrom),
      trainTo: seconds(r.trainTo)!,
      out: path.join(staged, SITE_MODEL_SUBDIR),
      ...(r.distribution ? { family: r.distribution } : {}),
      ...(r.seasonal !== undefined ? { seasonal: r.seasonal } : {}),
      ...(r.extras !== undefined ? { useExtras: r.extras } : {}),
      ...(r.perStation !== undefined ? { perStation: r.perStation } : {}),
      drn: {
        ...(r.seeds !== undefined ? { seeds: r.seeds } : {}),
        ...(r.epochs !== undefined ? { maxEpochs: r.epochs } : {}),
      },
      onProgress: (p) => {
        if (ctx.signal?.aborted) throw new InvalidArgumentError('the site fit was cancelled');
        // Each seed: early stopping then the refit, in whole-percent steps between 5 % and 95 %.
        const perSeed = 1 / p.seeds;
        const within = (p.phase === 'refit' ? 0.5 : 0) + 0.5 * (p.epoch / Math.max(1, p.maxEpochs));
        const f = 0.05 + 0.9 * (p.seed * perSeed + within * perSeed);
        const pct = Math.round(f * 100);
        if (pct === last) return;
        last = pct;
        void Promise.resolve(ctx.onProgress(pct / 100, `drn seed ${p.seed + 1}/${p.seeds} ${p.phase}`)).catch(
          () => undefined,
        );
      },
    });
    if (ctx.signal?.aborted) throw new InvalidArgumentError('the site fit was cancelled');
    await ctx.onProgress(0.97, 'publishing');
    const version = publishModelVersion(paths.modelDir, staged);
    return {
      model: r.model,
      version,
      path: `models/${r.model}/${version}`,
      modelHash: hash,
      method: model.method,
      distribution: model.family,
      variable: model.variable,
      units: model.units,
      members: model.members,
      stations: model.stations,
      trainFrom: model.trainFrom,
      trainTo: model.trainTo,
      trainingPairs: model.training.pairs,
      skipped: { ...model.training.skipped },
      trainingCrps: model.emos?.trainingCrps ?? null,
      drnEpochs: model.drn?.nets.map((n) => n.epochs) ?? null,
    };
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

const isoOf = (t: number) => new Date(t * 1000).toISOString();

/** Predict with a site model version; `outputs/<id>/prediction.nc` + `result.json`, renamed into place whole. */
export async function runSitePredictJob(
  payload: SitePredictJobPayload,
  paths: SitePredictPaths,
  ctx: SiteJobContext,
): Promise<SitePredictJobResult> {
  const t0 = Date.now();
  const r = normaliseSitePredictRequest(payload.request);
  const { model: m } = loadSiteModel(paths.siteModel);
  if (m.method === 'drn') await tensorBackend(ctx);
  await ctx.onProgress(0.05, 'reading');
  mkdirSync(paths.tmpDir, { recursive: true });
  try {
    const {
      prediction: p,
      model,
      hash,
    } = await predictSiteFiles({
      model: paths.siteModel,
      forecast: paths.forecast,
      out: path.join(paths.tmpDir, SITE_PREDICTION_FILE),
      period: { from: seconds(r.from), to: seconds(r.to) },
      ...(r.thresholds ? { thresholds: r.thresholds } : {}),
    });
    if (ctx.signal?.aborted) throw new InvalidArgumentError('the site prediction was cancelled');
    await ctx.onProgress(0.9, 'writing');
    const validTimes = Array.from(p.times, isoOf);
    const result: SitePredictJobResult = {
      outputs: {
        nc: `${paths.outRel}/${SITE_PREDICTION_FILE}`,
        json: `${paths.outRel}/${SITE_RESULT_FILE}`,
      },
      summary: {
        variable: p.variable,
        units: p.units,
        distribution: p.family,
        model: r.model,
        modelHash: hash,
        method: model.method,
        members: model.members,
        stations: p.stations.id,
        validTime: validTimes[validTimes.length - 1],
        validTimes,
        thresholds: p.thresholds,
        predicted: p.mu.reduce((a, v) => a + (Number.isFinite(v) ? 1 : 0), 0),
        durationMs: Date.now() - t0,
      },
    };
    const list = (a: Float64Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    writeFileSync(
      path.join(paths.tmpDir, SITE_PARAMETERS_FILE),
      JSON.stringify({
        family: p.family,
        units: p.units,
        times: validTimes,
        stations: p.stations.id,
        mu: list(p.mu),
        sigma: list(p.sigma),
        shift: list(p.shift),
        // A Bernstein quantile network: μ, σ are its mean and sd; the verification scores these coefficients.
        ...(p.bernstein
          ? {
              bernstein: {
                degree: p.bernstein.degree,
                censored: p.bernstein.censored,
                coefficients: list(p.bernstein.coefficients),
              },
            }
          : {}),
      }) + '\n',
    );
    writeFileSync(
      path.join(paths.tmpDir, SITE_RESULT_FILE),
      JSON.stringify({ id: payload.id, request: r, ...result }, null, 2) + '\n',
    );
    mkdirSync(path.dirname(paths.outDir), { recursive: true });
    rmSync(paths.outDir, { recursive: true, force: true });
    renameSync(paths.tmpDir, paths.outDir);
    await ctx.onProgress(1, 'done');
    return result;
  } catch (err) {
    rmSync(paths.tmpDir, { recursive: true, force: true });
    throw err;
  }
}
