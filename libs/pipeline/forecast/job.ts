/**
 * One forecast post-processing job, start to finish: read every selected time of the requested ensemble
 * field, crop, run the method (assemble.ts), and write `outputs/<id>/result.nc` (the one product writer,
 * libs/products) + `result.json` atomically (a temporary folder renamed into place), reporting progress. Every path arrives absolute and already confined to the data root
 * (libs/service/job-paths.ts): the pipeline does not resolve client-named paths itself.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  normaliseForecastRequest,
  type ForecastJobPayload,
  type ForecastJobResult,
  type ForecastRequest,
  type ForecastSummary,
  type ProgressFn,
} from '../../contracts/jobs.js';
import type { TfBackendName } from '../../contracts/config.js';
import { InvalidArgumentError } from '../../contracts/errors.js';
import { resolveVariable } from '../../ensemble/variables.js';
import { openDataset } from '../../netcdf/index.js';
import { writeNetcdf } from '../../netcdf/index.js';
import { assembleForecast, productHistory, type AssembledForecast } from './assemble.js';
import { checkModelAvailable, type ForecastInputs } from './methods.js';
import { checkMixedAnalysis } from './mixed.js';
import { planField, readFieldOnce } from './read.js';

export interface ForecastContext {
  /** Tensor backend for the `mixed` method (EPP_TF_BACKEND / EPP_TF_THREADS), selected once per process. */
  tfBackend?: TfBackendName;
  tfThreads?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/** Absolute paths of one forecast job: its inputs and its output folder (final and temporary). */
export interface ForecastPaths extends ForecastInputs {
  /** `outputs/<id>` relative to the data root, as reported in the job result. */
  outRel: string;
  /** The absolute final output folder. */
  outDir: string;
  /** An absolute temporary folder next to it, renamed into place when the result is complete. */
  tmpDir: string;
}

/** Output folder of a job, relative to the data root. */
export function outputDir(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id))
    throw new InvalidArgumentError(`job id ${JSON.stringify(id)} is not valid`);
  return `outputs/${id}`;
}

/**
 * Validate a request against its file without computing anything (variable, level, time, members, model):
 * what the API runs (in a child process, libs/service/file-guard.ts) before enqueueing so that bad input is
 * answered at once. The requested field is read too, so a corrupt chunk or a zlib bomb in it is refused now,
 * not in the job.
 */
export async function preflightForecast(req: ForecastRequest, inputs: ForecastInputs): Promise<void> {
  const ds = await openDataset(inputs.source);
  let plan;
  try {
    req = { ...req, variable: resolveVariable(ds, req.variable) };
    // Every selected time is read: a corrupt chunk anywhere in the request is refused before enqueueing.
    plan = planField(ds, req);
    readFieldOnce(ds, req, plan);
  } finally {
    ds.close();
  }
  checkModelAvailable(req, inputs);
  if (req.method === 'mixed') await checkMixedAnalysis(req, inputs, plan);
}

const isoTime = (t: number) => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : 'unknown');

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The NetCDF name of the request's variable in its file (name, standard_name or alias). */
export async function resolveForecastVariable(req: ForecastRequest, source: string): Promise<string> {
  const ds = await openDataset(source);
  try {
    return resolveVariable(ds, req.variable);
  } finally {
    ds.close();
  }
}

function stats(a: Float32Array): { min: number; max: number; avg: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (const x of a)
    if (!Number.isNaN(x)) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      n++;
    }
  return n ? { min, max, avg: sum / n } : { min: NaN, max: NaN, avg: NaN };
}

export async function runForecastJob(
  payload: ForecastJobPayload,
  paths: ForecastPaths,
  ctx: ForecastContext = {},
): Promise<ForecastJobResult> {
  const t0 = Date.now();
  const progress = async (f: number, stage: string) => {
    if (ctx.signal?.aborted) throw new Error('job cancelled: the worker is shutting down');
    await ctx.onProgress?.(f, stage);
  };
  const req = normaliseForecastRequest(payload.request as unknown as Record<string, unknown>);
  await progress(0.05, 'reading');
  const built: AssembledForecast = await assembleForecast(req, paths, {
    tfBackend: ctx.tfBackend,
    tfThreads: ctx.tfThreads,
    history: productHistory(req.method),
    onTime: (done, total) => progress(0.1 + (0.7 * done) / total, req.method),
  });
  const { spec, products, sets, provenance } = built;
  const field = sets[sets.length - 1].field;
  await progress(0.8, 'writing');

  const rel = paths.outRel;
  const finalDir = paths.outDir;
  const tmpDir = paths.tmpDir;
  mkdirSync(tmpDir, { recursive: true });
  try {
    await writeNetcdf(path.join(tmpDir, 'result.nc'), spec);
    const summary: ForecastSummary = {
      variable: req.variable,
      ...(field.level !== undefined ? { level: field.level } : {}),
      method: req.method,
      ...(req.method !== 'raw' ? { model: req.model } : {}),
      members: field.members,
      validTime: isoTime(field.validTime),
      validTimes: sets.map((x) => isoTime(x.field.validTime)),
      units: field.units,
      grid: {
        ny: field.ny,
        nx: field.nx,
        latitude: [field.grid.y[0], field.grid.y[field.ny - 1]],
        longitude: [field.grid.x[0], field.grid.x[field.nx - 1]],
      },
      mean: stats(concat(sets.map((x) => x.mean))),
      std: stats(concat(sets.map((x) => x.std))),
      durationMs: Date.now() - t0,
    };
    const result: ForecastJobResult = {
      outputs: { nc: `${rel}/result.nc`, json: `${rel}/result.json` },
      summary,
      products,
      provenance,
    };
    writeFileSync(
      path.join(tmpDir, 'result.json'),
      JSON.stringify({ id: payload.id, request: req, ...result }, null, 2) + '\n',
    );
    mkdirSync(path.dirname(finalDir), { recursive: true });
    // A retried job may find an older complete result: replace it whole.
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmpDir, finalDir);
    await progress(1, 'done');
    return result;
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
