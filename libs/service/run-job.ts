/**
 * The one processor: maps a queue name and payload to the library call. BullMQ's sandboxed processor
 * files and the embedded in-process queue both call this, so the two modes run the same code.
 */
import type { TfBackendName } from '../contracts/config.js';
import { InvalidArgumentError } from '../contracts/errors.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileAccessError, ModelError, ModelNotFoundError } from '../contracts/errors.js';
import {
  isModelRef,
  normaliseForecastRequest,
  type ForecastJobPayload,
  type ForecastJobResult,
  type ProgressFn,
  type QueueName,
  type ReportJobPayload,
  type ReportJobResult,
  type TrainJobPayload,
} from '../contracts/jobs.js';
import { runForecastJob } from '../pipeline/forecast/index.js';
import { runTrainJob } from '../pipeline/train/index.js';
import { buildCaseStudyReport, buildSiteCaseReport } from '../pipeline/report/index.js';
import { resolveInRoot } from './data-root.js';
import { resolveForecastPaths, resolveModelDir, resolveTrainPaths } from './job-paths.js';
import { siteJobKind, type SiteFitJobPayload, type SitePredictJobPayload } from '../contracts/sites.js';
import { runSiteJob } from './site-jobs.js';

export interface RunContext {
  dataDir: string;
  onProgress: ProgressFn;
  signal?: AbortSignal;
  tfBackend?: TfBackendName;
  tfThreads?: number;
  /** Extra time before the heavy step (EPP_JOB_DELAY_MS; for fault tests and demos). */
  delayMs?: number;
}

async function delay(ctx: RunContext): Promise<void> {
  const steps = 10;
  for (let i = 1; i <= steps && ctx.delayMs; i++) {
    await new Promise((r) => setTimeout(r, ctx.delayMs! / steps));
    await ctx.onProgress((0.02 * i) / steps, 'waiting');
  }
}

export async function runJob(queue: QueueName, data: unknown, ctx: RunContext): Promise<unknown> {
  if (!data || typeof data !== 'object')
    throw new InvalidArgumentError(`${queue} job payload is not an object`);
  await delay(ctx);
  // Site jobs (issue 12) share the train (fit) and forecast (predict) queues with the gridded jobs.
  if (siteJobKind(data)) return runSiteJob(queue, data as SiteFitJobPayload | SitePredictJobPayload, ctx);
  switch (queue) {
    case 'forecast':
      return runForecast(data as ForecastJobPayload, ctx);
    case 'train':
      return runTrainJob(
        data as TrainJobPayload,
        resolveTrainPaths(ctx.dataDir, data as TrainJobPayload),
        ctx,
      );
    case 'report':
      return runReportJob(data as ReportJobPayload, ctx);
    default:
      throw new InvalidArgumentError(`unknown queue ${String(queue)}`);
  }
}

/** A forecast job: its request validated and every path resolved inside the data root, then the pipeline. */
export async function runForecast(
  p: ForecastJobPayload,
  ctx: Omit<RunContext, 'onProgress'> & { onProgress?: ProgressFn },
): Promise<ForecastJobResult> {
  const request = normaliseForecastRequest(p.request as unknown as Record<string, unknown>);
  return runForecastJob({ ...p, request }, await resolveForecastPaths(ctx.dataDir, p.id, request), ctx);
}

/** Output folder of a report job, relative to the data root. */
export const reportOutputDir = (id: string): string => `outputs/${id}`;

/** The data folder and model of a report request, resolved inside the data root (403/404 as typed errors). */
export function resolveReportInputs(
  dataDir: string,
  req: { data: string; model: string },
): { data: string; model: string } {
  const data = resolveInRoot(dataDir, req.data);
  if (!existsSync(data) || !statSync(data).isDirectory())
    throw new FileAccessError(`no folder ${JSON.stringify(req.data)} under the data root`);
  const has = (f: string) => existsSync(path.join(data, f));
  if (!has('truth') || !(has('forecasts') || has('history')))
    throw new FileAccessError(
      `${JSON.stringify(req.data)} needs truth/ and forecasts/ (or history/) folders for a report`,
    );
  if (req.model === 'emos') return { data, model: 'emos' };
  if (!isModelRef(req.model)) throw new ModelError(`model ${JSON.stringify(req.model)} is not a model id`);
  let model: string;
  try {
    model = resolveModelDir(dataDir, req.model);
  } catch (err) {
    if (err instanceof ModelNotFoundError)
      throw new ModelError(`no trained model ${JSON.stringify(req.model)}: ${err.message}`);
    throw err;
  }
  if (!existsSync(path.join(model, 'manifest.json')))
    throw new ModelError(`no trained model ${JSON.stringify(req.model)} (its folder has no manifest.json)`);
  return { data, model };
}

/** A report's progress in whole-percent steps (the callback is synchronous; writes are fire-and-forget). */
function percentProgress(ctx: RunContext): (fraction: number, message: string) => void {
  let last = -1;
  return (f, msg) => {
    const pct = Math.round(f * 100);
    if (pct === last) return;
    last = pct;
    void Promise.resolve(ctx.onProgress(pct / 100, msg)).catch(() => undefined);
  };
}

/** A report job's result: output paths relative to the data root, valid times as ISO strings. */
function reportResult(
  rel: string,
  r: { html: string; json: string; pdf: string | null; pdfSkipped?: string; warnings: string[] },
  times: number[],
): ReportJobResult {
  return {
    outputs: {
      html: `${rel}/${path.basename(r.html)}`,
      json: `${rel}/${path.basename(r.json)}`,
      pdf: r.pdf ? `${rel}/${path.basename(r.pdf)}` : null,
    },
    ...(r.pdfSkipped ? { pdfSkipped: r.pdfSkipped } : {}),
    validTimes: times.map((t) => new Date(t * 1000).toISOString()),
    warnings: r.warnings,
  };
}

/** The forecast and observation files of a site archive folder (data-root-relative and absolute). */
export function resolveSiteReportInputs(
  dataDir: string,
  req: { data: string },
): { forecast: string; observations: string; names: { forecast: string; observations: string } } {
  const data = resolveInRoot(dataDir, req.data);
  const forecast = path.join(data, 'forecast.nc');
  if (!existsSync(forecast))
    throw new FileAccessError(`no ${JSON.stringify(`${req.data}/forecast.nc`)} under the data root`);
  const obsName = ['observation.csv', 'observation.nc'].find((n) => existsSync(path.join(data, n)));
  if (!obsName)
    throw new FileAccessError(
      `no ${JSON.stringify(`${req.data}/observation.csv`)} (or observation.nc) under the data root`,
    );
  return {
    forecast,
    observations: path.join(data, obsName),
    names: { forecast: `${req.data}/forecast.nc`, observations: `${req.data}/${obsName}` },
  };
}

/** A site case-study job: the archive's most extreme observed days (libs/pipeline/report siteBuild). */
async function runSiteReportJob(p: ReportJobPayload, ctx: RunContext): Promise<ReportJobResult> {
  const r = p.request;
  const files = resolveSiteReportInputs(ctx.dataDir, r);
  const rel = reportOutputDir(p.id);
  const { selectBackend } = await import('../model/backend.js');
  await selectBackend(ctx.tfBackend ?? 'auto', { threads: ctx.tfThreads });
  const result = await buildSiteCaseReport(
    {
      forecast: files.forecast,
      observations: files.observations,
      variable: r.variable,
      out: resolveInRoot(ctx.dataDir, rel),
      pdf: r.pdf,
      ...(r.members !== undefined ? { members: r.members } : {}),
      ...(r.events !== undefined ? { events: r.events } : {}),
      ...(r.extreme ? { tail: r.extreme === 'max' ? ('upper' as const) : ('lower' as const) } : {}),
      ...(r.windowDays !== undefined ? { windowDays: r.windowDays } : {}),
      ...(r.from ? { from: r.from } : {}),
      ...(r.to ? { to: r.to } : {}),
      ...(r.title ? { title: r.title } : {}),
      labels: files.names,
    },
    percentProgress(ctx),
  );
  return reportResult(
    rel,
    result,
    result.result.events.map((e) => e.time),
  );
}

/**
 * The training archive of a train request, resolved inside the data root and checked before it is queued:
 * a testbed folder (`manifest.json`, `forecasts/`, `truth/`); otherwise 404/403 as typed errors.
 */
export function resolveTrainingData(dataDir: string, rel: string): string {
  const data = resolveInRoot(dataDir, rel);
  if (!existsSync(data) || !statSync(data).isDirectory())
    throw new FileAccessError(`no folder ${JSON.stringify(rel)} under the data root`);
  const missing = ['manifest.json', 'forecasts', 'truth'].filter((f) => !existsSync(path.join(data, f)));
  if (missing.length)
    throw new FileAccessError(
      `${JSON.stringify(rel)} is not a testbed archive: it has no ${missing.join(', ')} (see epp testbed generate)`,
    );
  return data;
}

/** A case-study report job: builds report.html, scores.json (and report.pdf) under `outputs/<id>/`. */
async function runReportJob(p: ReportJobPayload, ctx: RunContext): Promise<ReportJobResult> {
  if (!p.id || !p.request) throw new InvalidArgumentError('report job payload needs id and request');
  const r = p.request;
  if (r.kind === 'sites') return runSiteReportJob(p, ctx);
  const { data, model } = resolveReportInputs(ctx.dataDir, r);
  const rel = reportOutputDir(p.id);
  const out = resolveInRoot(ctx.dataDir, rel);
  const result = await buildCaseStudyReport(
    {
      data,
      variable: r.variable,
      model,
      out,
      pdf: r.pdf,
      ...(r.event ? { event: r.event } : {}),
      ...(r.bbox ? { bbox: r.bbox.join(',') } : {}),
      ...(r.from ? { from: r.from } : {}),
      ...(r.to ? { to: r.to } : {}),
      ...(r.members !== undefined ? { members: r.members } : {}),
      ...(r.leadHours !== undefined ? { leadHours: r.leadHours } : {}),
      ...(r.threshold !== undefined ? { threshold: r.threshold } : {}),
      ...(r.title ? { title: r.title } : {}),
      // Shown in the report instead of server paths.
      labels: { data: r.data, model: r.model === 'emos' ? 'emos' : `models/${r.model}` },
    },
    percentProgress(ctx),
  );
  return reportResult(rel, result, result.validTimes);
}
