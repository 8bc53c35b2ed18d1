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
import type { RawSample } from '../../model/features.js';
import { checkDomain, modelProvenance, provenanceAttributes } from '../../model/provenance.js';
import type { ModelManifest } from '../../model/serialize.js';
import { withAnalysis, type AnalysisSpec } from './analysis.js';
import {
  predictGaussian,
  readModelSamples,
  sampleInput,
  targetIndex,
  type ModelSample,
} from './predictGaussian.js';

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
export function checkMixedRequest(
  req: ForecastRequest,
  folder: string,
  { config } = manifestConfig(folder),
): void {
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
async function acquireModel(
  folder: string,
  manifestBytes: Buffer = manifestConfig(folder).bytes,
): Promise<{ model: MixedModel; release: () => void }> {
  const hash = createHash('sha256').update(manifestBytes).digest('hex');
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

/**
 * Check a mixed request's analysis against the model and the file at every selected time, without running
 * the network (the API's preflight, so a mismatch is a 422 before the job is queued). `plan` = planField's.
 */
export async function checkMixedAnalysis(
  req: ForecastRequest,
  inputs: { source: string; model?: string; analysis?: string },
  plan: { memberIds: number[]; timeDim?: string; times: { index: number }[] },
): Promise<void> {
  const spec = analysisSpec(req, inputs);
  if (!spec || !inputs.model) return;
  const m = JSON.parse(manifestConfig(inputs.model).bytes.toString('utf8')) as Pick<
    ModelManifest,
    'config' | 'grid'
  >;
  const ds = await openDataset(inputs.source);
  try {
    const times = plan.timeDim === 'step' ? [undefined] : plan.times.map((t) => t.index);
    await withAnalysis(ds, m, spec, (analysis) => {
      for (const time of times)
        readModelSamples(ds, m, {
          members: plan.memberIds.slice(0, m.config.members),
          ...(time !== undefined ? { time } : {}),
          analysis,
        });
    });
  } finally {
    ds.close();
  }
}

/** The request's analysis with its file resolved (inputs.analysis, confined by the caller), or none. */
export function analysisSpec(
  req: Pick<ForecastRequest, 'analysis'>,
  inputs: { analysis?: string },
): AnalysisSpec | undefined {
  if (!req.analysis) return undefined;
  if (req.analysis.path && !inputs.analysis)
    throw new ModelError('forecast job inputs have no analysis file for analysis.path');
  return {
    ...(inputs.analysis ? { path: inputs.analysis } : {}),
    ...(req.analysis.variables ? { variables: req.analysis.variables } : {}),
  };
}

/**
 * The mixed model's part of a product's provenance (issue 14): training data, version hash, which analysis
 * fed the network and the domain-of-use check — the same words `epp postprocess` writes (postprocess.ts).
 */
function mixedProvenance(
  folder: string,
  manifestBytes: Buffer,
  model: MixedModel,
  sample: ModelSample,
  raw: RawSample,
  members: number[],
): Record<string, string> {
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as ModelManifest;
  const p = modelProvenance(folder, manifest, 'mixed', members);
  const attrs = provenanceAttributes(
    p,
    sample.analysisSource,
    checkDomain(raw, model.config, model.stats, p),
  );
  return Object.fromEntries(
    Object.entries(attrs)
      .filter(([k]) => !['epp_method', 'epp_members', 'epp_model_id'].includes(k))
      .map(([k, v]) => [k.replace(/^epp_/, ''), v]),
  );
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
  inputs: { source: string; model?: string; analysis?: string },
  o: MixedOptions = {},
): Promise<ProductSet> {
  if (!inputs.model) throw new ModelError('forecast job inputs have no model folder');
  const folder = inputs.model;
  // manifest.json is read once here: the request check, the model cache key and the provenance use it.
  const manifest = manifestConfig(folder);
  checkMixedRequest(req, folder, manifest);
  await ensureBackend(o.tfBackend ?? 'auto', o.tfThreads);
  const { model, release } = await acquireModel(folder, manifest.bytes);
  try {
    const t = targetIndex(model.config, req.variable, req.level);
    const ds = await openDataset(inputs.source);
    let sample;
    try {
      const spec = analysisSpec(req, inputs);
      const samples = await withAnalysis(ds, model, spec, (analysis) =>
        readModelSamples(ds, model, {
          members: field.members,
          ...(o.stepAxis ? {} : { time: o.timeIndex ?? 0 }),
          analysis,
        }),
      );
      sample = samples[0];
    } finally {
      ds.close();
    }
    // The network's input is built once: the domain-of-use check in the provenance reads it too.
    const raw = sampleInput(model, sample);
    const g = await predictGaussian(model, sample, { threads: o.tfThreads }, raw);
    const provenance = mixedProvenance(folder, manifest.bytes, model, sample, raw, field.members);
    let full = field;
    if (o.stepAxis && Number.isFinite(sample.validTime)) full = { ...field, validTime: sample.validTime };
    if (!req.bbox)
      return { ...gaussianProducts(full, g.mu[t], g.sigma[t], req), distribution: 'norm', provenance };
    const crop = (data: Float32Array) => cropToBbox({ ...full, data, members: [0] }, req.bbox!).data;
    return {
      ...gaussianProducts(cropToBbox(full, req.bbox), crop(g.mu[t]), crop(g.sigma[t]), req),
      distribution: 'norm',
      provenance,
    };
  } finally {
    release();
  }
}
