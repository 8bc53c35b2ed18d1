/**
 * What a batch will do: pick the method per target (the `default` mixed model when it loads, else its EMOS
 * coefficients, else raw statistics) and plan one post-processing job per (new or replaced forecast file,
 * target). Files already processed with the same stamp are skipped, so a rerun does no duplicate work;
 * failed targets are retried in later runs up to MAX_ATTEMPTS times.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EppError } from '../../contracts/errors.js';
import { jobIdFor, normaliseForecastRequest, type Method } from '../../contracts/jobs.js';
import { checkModelAvailable, forecastInputPaths } from '../forecast/index.js';
import type { InboxFile } from './inbox.js';
import type { BatchRunRecord, BatchTarget, Ledger, PlannedJob } from './types.js';

export const BATCH_MODEL = 'default';
export const MAX_ATTEMPTS = 3;

export type MethodChoice = BatchRunRecord['methods'][string];

/** Loads the model folder once to prove it works (tfjs is only imported when a model folder exists). */
export async function defaultMixedProbe(dir: string): Promise<void> {
  const { loadModelFolder } = await import('../../model/folder.js');
  const { model } = await loadModelFolder(dir);
  model.dispose();
}

function requestFor(file: string, t: BatchTarget, method: Method) {
  return normaliseForecastRequest({
    source: { path: file },
    variable: t.variable,
    ...(t.level !== undefined ? { level: t.level } : {}),
    // One forecast per file and target: the last time (the longest lead), as the batch always did.
    time: -1,
    method,
    model: BATCH_MODEL,
    products: ['mean', 'std'],
  });
}

/** mixed (model `default` exists and loads) → emos (coefficients for the target) → raw. */
export async function chooseMethod(
  dataDir: string,
  t: BatchTarget,
  probeMixed: (dir: string) => Promise<void> = defaultMixedProbe,
): Promise<MethodChoice> {
  const folder = path.join(dataDir, 'models', BATCH_MODEL);
  const reasons: string[] = [];
  if (existsSync(path.join(folder, 'manifest.json'))) {
    try {
      await probeMixed(folder);
      return { method: 'mixed', model: BATCH_MODEL, why: `models/${BATCH_MODEL} loads` };
    } catch (err) {
      reasons.push(`mixed: models/${BATCH_MODEL} does not load (${(err as Error).message})`);
    }
  } else reasons.push(`mixed: no models/${BATCH_MODEL}/manifest.json`);
  try {
    // The batch's own folder layout (an operator's, not a client's paths): joined, not confined.
    const req = requestFor('x.nc', t, 'emos');
    const rel = forecastInputPaths(req);
    checkModelAvailable(req, {
      model: path.join(dataDir, rel.model!),
      emosCoefficients: path.join(dataDir, rel.emosCoefficients!),
    });
    return { method: 'emos', model: BATCH_MODEL, why: `${reasons[0]}; EMOS coefficients found` };
  } catch (err) {
    reasons.push(`emos: ${err instanceof EppError ? err.message : String(err)}`);
  }
  return { method: 'raw', why: reasons.join('; ') };
}

/** Jobs for every (file, target) not yet done; updates the ledger's file entries (replaced files restart). */
export function planJobs(
  files: InboxFile[],
  targets: BatchTarget[],
  methods: Record<string, MethodChoice>,
  ledger: Ledger,
  runId: string,
): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  for (const f of files) {
    let entry = ledger.files[f.rel];
    if (!entry || entry.stamp !== f.stamp) {
      entry = { stamp: f.stamp, firstSeen: new Date().toISOString(), targets: {} };
      ledger.files[f.rel] = entry;
    }
    for (const t of targets) {
      const prev = entry.targets[t.name];
      if (prev && prev.status !== 'failed') continue;
      if (prev && prev.attempts >= MAX_ATTEMPTS) continue;
      const choice = methods[t.name];
      const request = requestFor(f.rel, t, choice.method);
      const attempts = (prev?.attempts ?? 0) + 1;
      // The attempt number is part of the id: a retry is a new job, never a clash with a failed one kept
      // by the queue for its retention period.
      const id = jobIdFor('forecast', request, `${f.stamp}#batch${attempts}`);
      entry.targets[t.name] = {
        status: 'pending',
        jobId: id,
        runId,
        method: choice.method,
        ...(choice.model ? { model: choice.model } : {}),
        attempts,
      };
      jobs.push({ file: f.rel, target: t.name, payload: { id, request, sourceStamp: f.stamp } });
    }
  }
  return jobs;
}
