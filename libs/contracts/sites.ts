/**
 * Site (station) job contracts (issue 12): fitting a site model (EMOS or DRN, libs/sites) through the
 * `train` queue and predicting with one through the `forecast` queue. Framework-free validation that
 * rejects unknown fields, and deterministic ids (`sf-…` fit, `sp-…` predict) like the other jobs.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import { canonicalJson, isModelId, isModelRef, parseDecimal } from './jobs.js';

export const SITE_METHODS = ['emos', 'drn'] as const;
export type SiteJobMethod = (typeof SITE_METHODS)[number];
export const SITE_DISTRIBUTIONS = ['normal', 'censored-logistic', 'censored-shifted-gamma'] as const;
export type SiteJobDistribution = (typeof SITE_DISTRIBUTIONS)[number];

/** Where a site model version keeps its model.json, inside `models/<id>/v<N>/`. */
export const SITE_MODEL_SUBDIR = 'sites';
/** The files of a finished site prediction under `outputs/<id>/`. */
export const SITE_PREDICTION_FILE = 'prediction.nc';
export const SITE_RESULT_FILE = 'result.json';
/**
 * The predictive distribution's parameters next to the prediction (family, μ, σ, shift per [time, station];
 * null where missing): what the nightly batch verifies with the closed-form CRPS.
 */
export const SITE_PARAMETERS_FILE = 'parameters.json';

/** A site fit request after defaults and validation; file paths are relative to the data root. */
export interface SiteFitRequest {
  /** CF timeSeries ensemble forecast `<var>(time, station, realization)`. */
  forecast: string;
  /** Observations: CF timeSeries NetCDF or CSV `station_id,time,<var>`. */
  observations: string;
  variable: string;
  method: SiteJobMethod;
  /** The first K members (a count) or a list of realization numbers (as in `epp sites fit --members`). */
  members: number | number[];
  /** Training period [trainFrom, trainTo) by validity time, ISO. */
  trainFrom?: string;
  trainTo: string;
  /** The model id the fit is published under (`models/<id>/v<N>/sites/model.json`). */
  model: string;
  distribution?: SiteJobDistribution;
  seasonal?: boolean;
  extras?: boolean;
  perStation?: boolean;
  /** drn: networks averaged and maximum epochs. */
  seeds?: number;
  epochs?: number;
}

/** A site prediction request: a forecast file and a site model (`id` = its latest version, or `id@vN`). */
export interface SitePredictRequest {
  forecast: string;
  model: string;
  from?: string;
  to?: string;
  thresholds?: number[];
}

export interface SiteFitJobPayload {
  kind: 'site-fit';
  id: string;
  /** The model id (as train jobs carry it: job-outputs.ts removes this run's temporary folder under it). */
  model: string;
  request: SiteFitRequest;
  /** Stamps of the two input files when submitted (a replaced file is a new job). */
  sourceStamp: string;
}

export interface SitePredictJobPayload {
  kind: 'site-predict';
  id: string;
  request: SitePredictRequest;
  sourceStamp: string;
}

export interface SiteFitJobResult {
  model: string;
  version: string;
  /** The version's folder relative to the data root. */
  path: string;
  /** SHA-256 of model.json (the provenance hash a prediction carries). */
  modelHash: string;
  method: SiteJobMethod;
  distribution: string;
  variable: string;
  units: string;
  members: number[];
  stations: string[];
  trainFrom: string | null;
  trainTo: string;
  trainingPairs: number;
  skipped: Record<string, number>;
  trainingCrps: number | null;
  drnEpochs: number[] | null;
}

/**
 * The result of a site prediction. `outputs.nc` and `summary.validTime` have the meaning they have for a
 * gridded forecast job, so the nightly batch records both kinds alike.
 */
export interface SitePredictJobResult {
  outputs: { nc: string; json: string };
  summary: {
    variable: string;
    units: string;
    distribution: string;
    model: string;
    modelHash: string;
    method: SiteJobMethod;
    members: number[];
    stations: string[];
    /** The last validity time predicted (ISO); every one is in `validTimes`. */
    validTime: string;
    validTimes: string[];
    thresholds: number[];
    /** (time, station) cells predicted (the others had a missing member). */
    predicted: number;
    durationMs: number;
  };
}

const FIT_FIELDS = new Set([
  'forecast',
  'observations',
  'variable',
  'method',
  'members',
  'trainFrom',
  'trainTo',
  'model',
  'distribution',
  'seasonal',
  'extras',
  'perStation',
  'seeds',
  'epochs',
]);
const PREDICT_FIELDS = new Set(['forecast', 'model', 'from', 'to', 'thresholds']);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO date or time (no zone = UTC) as a canonical ISO string; the error names the field. */
function isoField(input: Record<string, unknown>, k: string, required = false): string | undefined {
  const v = input[k];
  if (v === undefined || v === null || v === '') {
    if (required) throw new InvalidArgumentError(`${k} is required (an ISO date like 2011-01-01)`);
    return undefined;
  }
  const s = typeof v === 'string' ? v.trim() : '';
  const zoned = /T/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s;
  if (!ISO_TIME.test(s) || !Number.isFinite(Date.parse(zoned)))
    throw new InvalidArgumentError(`${k} must be an ISO date or time like 2011-01-01 or 2011-01-01T06:00Z`);
  return new Date(Date.parse(zoned)).toISOString();
}

function checkFields(input: unknown, allowed: Set<string>, what: string): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new InvalidArgumentError(`the ${what} must be a JSON object`);
  for (const k of Object.keys(input))
    if (!allowed.has(k)) throw new InvalidArgumentError(`unknown field ${JSON.stringify(k)}`);
  return input as Record<string, unknown>;
}

function filePath(input: Record<string, unknown>, k: string): string {
  const v = input[k];
  if (typeof v !== 'string' || !v.trim() || v.length > 1000)
    throw new InvalidArgumentError(`${k} must be a file path relative to the data root`);
  return v.trim();
}

function bool(input: Record<string, unknown>, k: string): boolean | undefined {
  const v = input[k];
  if (v === undefined || v === null) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new InvalidArgumentError(`${k} must be true or false`);
}

function int(input: Record<string, unknown>, k: string, lo: number, hi: number): number | undefined {
  const raw = input[k];
  if (raw === undefined || raw === null) return undefined;
  const v = typeof raw === 'string' ? parseDecimal(raw.trim()) : raw;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi))
    throw new InvalidArgumentError(`${k} must be an integer in [${lo}, ${hi}]`);
  return v;
}

/** `members`: a count K (the first K realizations) or a list of realization numbers, as the CLI takes it. */
function siteMembers(v: unknown): number | number[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d+$/.test(t)) v = Number(t);
    else if (/^\d+(,\d+)*$/.test(t)) v = t.split(',').map(Number);
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 1000)
      throw new InvalidArgumentError('members must be a count in [1, 1000] or a list of realization numbers');
    return v;
  }
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    v.length > 1000 ||
    !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 100000)
  )
    throw new InvalidArgumentError(
      'members must be a count K (the first K realizations) or a list of realization numbers like [0, 1, 2]',
    );
  if (new Set(v).size !== v.length) throw new InvalidArgumentError('members lists a realization twice');
  return v as number[];
}

/** Apply defaults and check a site fit request; errors name the field. Paths are confined to the root later. */
export function normaliseSiteFitRequest(raw: unknown): SiteFitRequest {
  const input = checkFields(raw, FIT_FIELDS, 'site fit request');
  const forecast = filePath(input, 'forecast');
  const observations = filePath(input, 'observations');
  if (typeof input.variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(input.variable))
    throw new InvalidArgumentError('variable must be the NetCDF variable name, e.g. air_temperature');
  const method = input.method;
  if (!SITE_METHODS.includes(method as SiteJobMethod))
    throw new InvalidArgumentError(`method must be one of ${SITE_METHODS.join(', ')}`);
  if (input.members === undefined)
    throw new InvalidArgumentError('members is required (a count K or a list)');
  const members = siteMembers(input.members);
  const trainFrom = isoField(input, 'trainFrom');
  const trainTo = isoField(input, 'trainTo', true)!;
  if (trainFrom && !(trainFrom < trainTo)) throw new InvalidArgumentError('trainFrom must be before trainTo');
  if (!isModelId(input.model))
    throw new InvalidArgumentError(
      'model must be a model id like "innsbruck-tmin" (the fit is its next version)',
    );
  const distribution = input.distribution;
  if (distribution !== undefined && !SITE_DISTRIBUTIONS.includes(distribution as SiteJobDistribution))
    throw new InvalidArgumentError(`distribution must be one of ${SITE_DISTRIBUTIONS.join(', ')}`);
  const seasonal = bool(input, 'seasonal');
  const extras = bool(input, 'extras');
  const perStation = bool(input, 'perStation');
  const seeds = int(input, 'seeds', 1, 20);
  const epochs = int(input, 'epochs', 1, 5000);
  if (method === 'emos' && (seeds !== undefined || epochs !== undefined))
    throw new InvalidArgumentError('seeds and epochs apply to method "drn" only');
  if (method === 'drn' && perStation !== undefined)
    throw new InvalidArgumentError('perStation applies to method "emos" only');
  return {
    forecast,
    observations,
    variable: input.variable,
    method: method as SiteJobMethod,
    members,
    ...(trainFrom ? { trainFrom } : {}),
    trainTo,
    model: input.model,
    ...(distribution !== undefined ? { distribution: distribution as SiteJobDistribution } : {}),
    ...(seasonal !== undefined ? { seasonal } : {}),
    ...(extras !== undefined ? { extras } : {}),
    ...(perStation !== undefined ? { perStation } : {}),
    ...(seeds !== undefined ? { seeds } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
  };
}

/** Apply defaults and check a site prediction request; errors name the field. */
export function normaliseSitePredictRequest(raw: unknown): SitePredictRequest {
  const input = checkFields(raw, PREDICT_FIELDS, 'site prediction request');
  const forecast = filePath(input, 'forecast');
  if (!isModelRef(input.model))
    throw new InvalidArgumentError(
      'model must be a site model id, optionally with a version ("innsbruck@v2")',
    );
  const from = isoField(input, 'from');
  const to = isoField(input, 'to');
  if (from && to && !(from < to)) throw new InvalidArgumentError('from must be before to');
  let thresholds: number[] | undefined;
  if (input.thresholds !== undefined && input.thresholds !== null) {
    const list =
      typeof input.thresholds === 'string'
        ? input.thresholds.split(',').map((s) => parseDecimal(s.trim()))
        : input.thresholds;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.length > 50 ||
      !list.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= 1e9)
    )
      throw new InvalidArgumentError('thresholds must be a list of 1 to 50 numbers');
    thresholds = [...new Set(list as number[])].sort((a, b) => a - b);
  }
  return {
    forecast,
    model: input.model,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(thresholds ? { thresholds } : {}),
  };
}

/** Deterministic id of a site job: `sf-` (fit, train queue) or `sp-` (predict, forecast queue) + 24 hex. */
export function siteJobIdFor(kind: 'site-fit' | 'site-predict', request: unknown, stamp = ''): string {
  const digest = createHash('sha256')
    .update(canonicalJson(request))
    .update('\0' + stamp)
    .digest('hex');
  return `${kind === 'site-fit' ? 'sf' : 'sp'}-${digest.slice(0, 24)}`;
}

export const isSitePredictId = (id: string): boolean => /^sp-[0-9a-f]{24}$/.test(id);
export const isSiteFitId = (id: string): boolean => /^sf-[0-9a-f]{24}$/.test(id);

/** Whether a queue payload is a site job (dispatched by libs/service/run-job.ts). */
export function siteJobKind(data: unknown): 'site-fit' | 'site-predict' | null {
  const k = (data as { kind?: unknown } | null)?.kind;
  return k === 'site-fit' || k === 'site-predict' ? k : null;
}
