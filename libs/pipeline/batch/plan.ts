/**
 * What a batch will do: pick the method per target (the `default` mixed model when it loads, else its EMOS
 * coefficients, else raw statistics; a file whose job fails falls back to the next, per file and target) and plan one post-processing job per (new or replaced forecast file,
 * target). Files already processed with the same stamp are skipped, so a rerun does no duplicate work;
 * failed targets are retried in later runs up to MAX_ATTEMPTS times.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EppError } from '../../contracts/errors.js';
import { jobIdFor, normaliseForecastRequest, type Method } from '../../contracts/jobs.js';
import { checkModelAvailable, forecastInputPaths } from '../forecast/index.js';
import type { InboxFile } from './inbox.js';
import { resolveModel, type ModelVersion } from '../train/store.js';
import type { BatchRunRecord, BatchTarget, Ledger, PlannedJob } from './types.js';

export const BATCH_MODEL = 'default';
export const MAX_ATTEMPTS = 3;

export type MethodChoice = BatchRunRecord['methods'][string];

/**
 * Loads the model folder once to prove it works (tfjs is only imported when a model folder exists). A tensor
 * backend is selected first when the process has none (`auto`; without one every load failed, so the batch
 * never chose mixed).
 */
export async function defaultMixedProbe(dir: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  if (!tf.getBackend()) await (await import('../../model/backend.js')).selectBackend('auto');
  const { loadModelFolder } = await import('../../model/folder.js');
  const { model } = await loadModelFolder(dir);
  model.dispose();
}

function requestFor(file: string, t: BatchTarget, method: Method, model = BATCH_MODEL) {
  return normaliseForecastRequest({
    source: { path: file },
    variable: t.variable,
    ...(t.level !== undefined ? { level: t.level } : {}),
    // One forecast per file and target: the last time (the longest lead), as the batch always did.
    time: -1,
    method,
    model,
    products: ['mean', 'std'],
  });
}

/**
 * The methods available for a target, best first: mixed (the latest version of model `default` — in the data
 * root or shipped with the install — exists and loads) → emos (that version has coefficients for the target)
 * → raw. The first is the run's choice; a file whose job fails falls back along the rest (planFallback).
 */
export async function chooseMethod(
  dataDir: string,
  t: BatchTarget,
  probeMixed: (dir: string) => Promise<void> = defaultMixedProbe,
  bundledModels?: string | null,
): Promise<MethodChoice> {
  const reasons: string[] = [];
  const chain: { method: Method; model?: string; why: string }[] = [];
  let version: ModelVersion | undefined;
  try {
    version = resolveModel(dataDir, BATCH_MODEL, bundledModels);
  } catch (err) {
    reasons.push(`model ${BATCH_MODEL}: ${err instanceof EppError ? err.message : String(err)}`);
  }
  if (version) {
    const ref = `${version.id}@${version.version}`;
    if (existsSync(path.join(version.dir, 'manifest.json'))) {
      try {
        await probeMixed(version.dir);
        chain.push({ method: 'mixed', model: ref, why: `${ref} loads` });
      } catch (err) {
        reasons.push(`mixed: ${ref} does not load (${(err as Error).message})`);
      }
    } else reasons.push(`mixed: ${ref} has no manifest.json`);
    try {
      const req = requestFor('x.nc', t, 'emos', ref);
      const rel = forecastInputPaths(req);
      // The batch's own folder layout (an operator's, not a client's paths): joined, not confined.
      checkModelAvailable(req, {
        model: version.dir,
        emosCoefficients: path.join(version.dir, path.relative(rel.model!, rel.emosCoefficients!)),
      });
      chain.push({
        method: 'emos',
        model: ref,
        why: chain.length ? `${ref} EMOS coefficients found` : `${reasons[0]}; EMOS coefficients found`,
      });
    } catch (err) {
      reasons.push(`emos: ${err instanceof EppError ? err.message : String(err)}`);
    }
  }
  chain.push({ method: 'raw', why: reasons.join('; ') || 'raw ensemble statistics' });
  const [first, ...rest] = chain;
  return {
    ...first,
    ...(rest.length
      ? { fallbacks: rest.map(({ method, model }) => (model ? { method, model } : { method })) }
      : {}),
  };
}

/** The fallback job for a failed job of (file, target) that used `failedMethod`, or null when none is left. */
export function planFallback(
  file: string,
  stamp: string,
  target: BatchTarget,
  choice: MethodChoice,
  failedMethod: Method,
  attempts: number,
): PlannedJob | null {
  const chain = [{ method: choice.method, model: choice.model }, ...(choice.fallbacks ?? [])];
  const at = chain.findIndex((c) => c.method === failedMethod);
  const next = at >= 0 ? chain[at + 1] : undefined;
  if (!next) return null;
  const request = requestFor(file, target, next.method, next.model);
  const id = jobIdFor('forecast', request, `${stamp}#batch${attempts}#${next.method}`);
  return { file, target: target.name, payload: { id, request, sourceStamp: stamp } };
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
      const request = requestFor(f.rel, t, choice.method, choice.model);
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
