/**
 * The service's `mixed` method: the deep model of `<dataDir>/models/<model>` (libs/model folder) run on the
 * requested member subset of the file at the requested time, giving N(μ, σ²) for the requested target, then
 * the same Gaussian products as EMOS (products.ts). The tensor backend is selected once per process
 * and loaded models are cached per process, keyed by folder + manifest.json SHA-256 (a retrained model in the
 * same folder is loaded afresh).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TfBackendName } from '../../contracts/config.js';
import { MismatchError, ModelError } from '../../contracts/errors.js';
import type { ForecastRequest } from '../../contracts/jobs.js';
import type { EnsembleField } from '../../ensemble/types.js';
import type { MixedModel } from '../../model/mixedModel.js';
import type { ModelConfig } from '../../model/config.js';
import { openDataset } from '../../netcdf/index.js';
import { cropToBbox, gaussianProducts, type ProductSet } from './products.js';
import { predictGaussian, readModelSamples, targetIndex } from './predictGaussian.js';

export interface MixedOptions {
  /** Index on the file's time axis (from planField); ignored for files with a `step` axis. */
  timeIndex?: number;
  /** Whether the file's non-spatial axis is a `step` (lead) axis rather than a time axis. */
  stepAxis?: boolean;
  tfBackend?: TfBackendName;
  tfThreads?: number;
}

/** manifest.json of a model folder (config only), for cheap request checks before enqueueing. */
function manifestConfig(folder: string): { bytes: Buffer; config: ModelConfig } {
  const file = path.join(folder, 'manifest.json');
  const bytes = readFileSync(file);
  try {
    return { bytes, config: (JSON.parse(bytes.toString('utf8')) as { config: ModelConfig }).config };
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON`, { cause: err });
  }
}

/** Check a mixed request against the model's manifest: target offered, member count (422 at the API). */
export function checkMixedRequest(req: ForecastRequest, folder: string): void {
  const { config } = manifestConfig(folder);
  targetIndex(config, req.variable, req.level);
  const k = req.members?.length;
  if (k !== undefined && k !== config.members)
    throw new MismatchError(
      `members: model '${req.model}' takes ${config.members} members, the request selects ${k}`,
    );
}

let backendReady: Promise<unknown> | undefined;
let backendKey = '';

/** Select the tensor backend once per process (tfjs and the model code are loaded only when needed). */
async function ensureBackend(kind: TfBackendName, threads?: number): Promise<void> {
  const key = `${kind}:${threads ?? ''}`;
  if (!backendReady || key !== backendKey) {
    backendKey = key;
    backendReady = import('../../model/backend.js').then((b) => b.selectBackend(kind, { threads }));
    backendReady.catch(() => (backendReady = undefined));
  }
  await backendReady;
}

interface CachedModel {
  hash: string;
  model: Promise<MixedModel>;
  users: number;
  stale: boolean;
}
const models = new Map<string, CachedModel>();

/** The model of `folder`, loaded once per manifest version; `release` when done (stale versions are disposed). */
async function acquireModel(folder: string): Promise<{ model: MixedModel; release: () => void }> {
  const hash = createHash('sha256').update(manifestConfig(folder).bytes).digest('hex');
  let entry = models.get(folder);
  if (!entry || entry.hash !== hash) {
    if (entry) retire(entry);
    const { loadModelFolder } = await import('../../model/folder.js');
    entry = { hash, model: loadModelFolder(folder).then((r) => r.model), users: 0, stale: false };
    models.set(folder, entry);
    entry.model.catch(() => models.get(folder) === entry && models.delete(folder));
  }
  const e = entry;
  e.users++;
  try {
    const model = await e.model;
    return {
      model,
      release: () => {
        e.users--;
        if (e.stale && e.users === 0) model.dispose();
      },
    };
  } catch (err) {
    e.users--;
    throw err;
  }
}

function retire(e: CachedModel): void {
  e.stale = true;
  if (e.users === 0) void e.model.then((m) => m.dispose()).catch(() => undefined);
}

/** Dispose every cached model (tests, shutdown). */
export function clearModelCache(): void {
  for (const e of models.values()) retire(e);
  models.clear();
}

/**
 * μ, σ of the mixed model for the request's target on the full grid of `field` (the member subset read from
 * `req.source`), then cropped to the request's bbox, then Gaussian products.
 */
export async function mixedProducts(
  field: EnsembleField,
  req: ForecastRequest,
  inputs: { source: string; model?: string },
  o: MixedOptions = {},
): Promise<ProductSet> {
  if (!inputs.model) throw new ModelError('forecast job inputs have no model folder');
  const folder = inputs.model;
  checkMixedRequest(req, folder);
  await ensureBackend(o.tfBackend ?? 'auto', o.tfThreads);
  const { model, release } = await acquireModel(folder);
  try {
    const t = targetIndex(model.config, req.variable, req.level);
    const ds = await openDataset(inputs.source);
    let sample;
    try {
      const samples = readModelSamples(ds, model, {
        members: field.members,
        ...(o.stepAxis ? {} : { time: o.timeIndex ?? 0 }),
      });
      sample = samples[0];
    } finally {
      ds.close();
    }
    const g = await predictGaussian(model, sample, { threads: o.tfThreads });
    let full = field;
    if (o.stepAxis && Number.isFinite(sample.validTime)) full = { ...field, validTime: sample.validTime };
    if (!req.bbox) return { ...gaussianProducts(full, g.mu[t], g.sigma[t], req), distribution: 'norm' };
    const crop = (data: Float32Array) => cropToBbox({ ...full, data, members: [0] }, req.bbox!).data;
    return {
      ...gaussianProducts(cropToBbox(full, req.bbox), crop(g.mu[t]), crop(g.sigma[t]), req),
      distribution: 'norm',
    };
  } finally {
    release();
  }
}
