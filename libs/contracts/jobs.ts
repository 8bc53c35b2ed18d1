/**
 * Job contracts shared by the API, the BullMQ workers and the embedded in-process queue: queue names,
 * payloads (file references and parameters, never arrays), results, framework-free validation and
 * deterministic job ids (the same normalised request on the same file gives the same id, hence one job).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

export const QUEUES = { forecast: 'forecast', train: 'train', batch: 'batch', report: 'report' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const METHODS = ['mixed', 'emos', 'raw'] as const;
export type Method = (typeof METHODS)[number];
export const PRODUCTS = ['mean', 'std', 'percentiles', 'probabilities', 'realizations'] as const;
export type Product = (typeof PRODUCTS)[number];

/** Default member subset of the mixed model: the paper's members 1–5 (1-based positions on the member axis). */
export const MIXED_DEFAULT_MEMBERS = [1, 2, 3, 4, 5];
export const DEFAULT_PERCENTILES = [10, 25, 50, 75, 90];

/** A post-processing request after defaults and validation. */
export interface ForecastRequest {
  /** File relative to the data root (uploads are stored under `inbox/uploads/<sha256>.nc`). */
  source: { path: string };
  variable: string;
  /** Pressure level (hPa) when the variable has a level axis. */
  level?: number;
  /**
   * Which times to post-process; default every time in the file. `time`: one index on the file's time/step
   * axis (−1 = the last); `validTime`: one ISO valid time; `from`/`to`: an inclusive ISO range of valid
   * times; `leadHours`: only these lead times. Combined, a time must satisfy all of them.
   */
  time?: number;
  validTime?: string;
  from?: string;
  to?: string;
  leadHours?: number[];
  /** Product file shape: `cf` (a time dimension, default) or `improver` (one time, scalar coordinates). */
  layout?: ProductLayoutName;
  method: Method;
  model: string;
  /** 1-based positions on the member axis, sorted; undefined = every member. */
  members?: number[];
  products: Product[];
  percentiles: number[];
  thresholds: number[];
  /** [west, south, east, north] in degrees. */
  bbox?: [number, number, number, number];
  /**
   * `mixed` only: the analysis at the initialisation that feeds the network — a file relative to the data
   * root (`path`, e.g. an earlier upload `inbox/uploads/<sha256>.nc`) and/or the variables holding it
   * (`variables`, predictor → NetCDF name; in `path`, else in the source file). Absent = the fallback (the
   * subset mean at step 0), stated in the product file and the job result.
   */
  analysis?: ForecastAnalysis;
}

export interface ForecastAnalysis {
  path?: string;
  variables?: Record<string, string>;
}

const NC_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** The request's `analysis` field: an object with `path` and/or `variables` (JSON text in a form field). */
function parseAnalysis(v: unknown): ForecastAnalysis {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw new InvalidArgumentError('analysis must be {"path": …} and/or {"variables": {"z": …, "t": …}}');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidArgumentError('analysis must be {"path": …} and/or {"variables": {"z": …, "t": …}}');
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'path' && k !== 'variables');
  if (unknown.length) throw new InvalidArgumentError(`analysis has unknown field(s) ${unknown.join(', ')}`);
  const out: ForecastAnalysis = {};
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || !o.path.trim())
      throw new InvalidArgumentError('analysis.path must be a file path relative to the data root');
    out.path = o.path.trim();
  }
  if (o.variables !== undefined) {
    const vars = o.variables;
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || !Object.keys(vars).length)
      throw new InvalidArgumentError(
        'analysis.variables must map predictors to variable names, e.g. {"z": "z_an"}',
      );
    for (const [k, name] of Object.entries(vars as Record<string, unknown>))
      if (!NC_NAME.test(k) || typeof name !== 'string' || !NC_NAME.test(name))
        throw new InvalidArgumentError(`analysis.variables.${k} must be a NetCDF variable name`);
    out.variables = Object.fromEntries(Object.entries(vars as Record<string, string>).sort());
  }
  if (!out.path && !out.variables) throw new InvalidArgumentError('analysis needs a path and/or variables');
  return out;
}

/** What a forecast job carries: the request plus the identity of the input file when it was submitted. */
export interface ForecastJobPayload {
  id: string;
  request: ForecastRequest;
  /** Size and modification time of the source when submitted (part of the id: a replaced file is a new job). */
  sourceStamp: string;
}

/** A nightly batch (libs/pipeline/batch): `date` = as-of day YYYY-MM-DD (default: the run's day, UTC). */
export interface BatchJobPayload {
  /** The job id, also the run id (`ba-…`); scheduler-made jobs have none and use their BullMQ id. */
  id?: string;
  date?: string;
  trigger?: string;
}

/** Job id prefix per queue. */
const JOB_ID_PREFIX: Record<QueueName, string> = { forecast: 'fc', train: 'tr', batch: 'ba', report: 'rp' };

export interface TrainJobPayload {
  id: string;
  /** Id of the model folder to write under `<dataDir>/models/`. */
  model: string;
  /** Training archive relative to the data root (a testbed folder). */
  data: string;
  options: Record<string, string | number | boolean | string[]>;
}

export const LAYOUTS = ['cf', 'improver'] as const;
export type ProductLayoutName = (typeof LAYOUTS)[number];

export interface ProductInfo {
  name: string;
  /** `probabilities` = P(x > threshold), `probabilities_below` = P(x < threshold). */
  kind: Product | 'probabilities_below';
  dims: string[];
  shape: number[];
  units: string;
  coordinate?: number[];
}

export interface ForecastSummary {
  variable: string;
  level?: number;
  method: Method;
  model?: string;
  members: number[];
  /** The last valid time written (ISO); every one is in `validTimes`. */
  validTime: string;
  validTimes: string[];
  units: string;
  grid: { ny: number; nx: number; latitude: [number, number]; longitude: [number, number] };
  mean: { min: number; max: number; avg: number };
  std: { min: number; max: number; avg: number };
  durationMs: number;
}

export interface ForecastJobResult {
  /** Paths relative to the data root. */
  outputs: { nc: string; json: string };
  summary: ForecastSummary;
  products: ProductInfo[];
  /** What made the product (the `epp_*` global attributes of result.nc): method, members, model, checksums. */
  provenance?: Record<string, string | number>;
}

export interface TrainJobResult {
  model: string;
  /** The version this run published (`v<N>`, libs/pipeline/train/store.ts). */
  version?: string;
  /** The version's folder relative to the data root. */
  path: string;
  metrics?: Record<string, unknown>;
}

export type JobState = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

/** The public view of a job, identical for BullMQ and the in-process queue. */
export interface JobView {
  id: string;
  type: QueueName;
  state: JobState;
  progress: number;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  result: unknown;
}

/** Progress callback given to job runners: fraction 0–1 and an optional stage label. */
export type ProgressFn = (fraction: number, stage?: string) => void | Promise<void>;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Check model ids before they become folder names. */
export function isModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID.test(id) && !id.includes('..');
}

/** A model id with an optional version: `default`, `default@v2`, `default@bundled` (libs/pipeline/train/store.ts). */
export function isModelRef(ref: unknown): ref is string {
  if (typeof ref !== 'string') return false;
  const [id, version, ...rest] = ref.split('@');
  return (
    isModelId(id) && rest.length === 0 && (version === undefined || /^(v\d{1,9}|bundled)$/.test(version))
  );
}

/** Plain decimal notation (optional sign, fraction, exponent): no hex, octal, binary, Infinity or blanks. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number written in decimal, or NaN (`Number()` also reads "0x10" as 16 and "" as 0). */
export function parseDecimal(s: string): number {
  return DECIMAL.test(s) ? Number(s) : NaN;
}

function numberList(name: string, v: unknown, min: number, max: number): number[] {
  const list = typeof v === 'string' ? v.split(',').map((s) => parseDecimal(s.trim())) : v;
  if (!Array.isArray(list) || !list.every(isNum))
    throw new InvalidArgumentError(`${name} must be a list of numbers`);
  if (list.length > 200) throw new InvalidArgumentError(`${name} has more than 200 entries`);
  for (const x of list)
    if (x < min || x > max) throw new InvalidArgumentError(`${name} value ${x} is outside [${min}, ${max}]`);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Members as a list of 1-based positions, a count k (positions 1..k) or a range string "1-5". */
function parseMembers(v: unknown): number[] {
  if (isNum(v)) {
    if (!Number.isInteger(v) || v < 1 || v > 1000)
      throw new InvalidArgumentError('members count must be an integer in [1, 1000]');
    return Array.from({ length: v }, (_, i) => i + 1);
  }
  if (typeof v === 'string' && /^\d+-\d+$/.test(v.trim())) {
    const [a, b] = v.trim().split('-').map(Number);
    if (a < 1 || b < a || b > 1000)
      throw new InvalidArgumentError(`members range ${v} must be a-b with 1 ≤ a ≤ b ≤ 1000`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const list = numberList('members', v, 1, 1000);
  if (!list.every(Number.isInteger) || list.length === 0)
    throw new InvalidArgumentError('members must be 1-based integer positions');
  return list;
}

/** Apply defaults and check a request (from JSON, multipart fields or a queue); errors name the field. */
export function normaliseForecastRequest(input: Record<string, unknown>): ForecastRequest {
  const src = input.source as { path?: unknown } | undefined;
  if (!src || typeof src.path !== 'string' || !src.path.trim())
    throw new InvalidArgumentError('source.path must be a file path relative to the data root');
  if (typeof input.variable !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(input.variable))
    throw new InvalidArgumentError(
      'variable must be a NetCDF variable name, a standard_name or an alias like 2t',
    );
  const method = (input.method ?? 'raw') as Method;
  if (!METHODS.includes(method))
    throw new InvalidArgumentError(`method must be one of ${METHODS.join(', ')}`);
  const model = input.model ?? 'default';
  if (!isModelRef(model))
    throw new InvalidArgumentError(
      'model must be a model id like "default", optionally with a version ("default@v2")',
    );
  const asNumber = (v: unknown) => (typeof v === 'string' ? parseDecimal(v.trim()) : Number(v));
  const level = input.level === undefined || input.level === null ? undefined : asNumber(input.level);
  if (level !== undefined && !Number.isFinite(level))
    throw new InvalidArgumentError('level must be a number');
  const time = input.time === undefined || input.time === null ? undefined : asNumber(input.time);
  if (time !== undefined && (!Number.isInteger(time) || time < -1))
    throw new InvalidArgumentError('time must be an index on the time axis (0, 1, …; -1 = the last)');
  const isoField = (k: 'validTime' | 'from' | 'to'): string | undefined => {
    const v = input[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || !ISO_TIME.test(v.trim()) || !Number.isFinite(Date.parse(isoUtc(v.trim()))))
      throw new InvalidArgumentError(`${k} must be an ISO date or time like 2017-06-05T15:00Z`);
    return new Date(Date.parse(isoUtc(v.trim()))).toISOString();
  };
  const validTime = isoField('validTime');
  const from = isoField('from');
  const to = isoField('to');
  if (from && to && from > to) throw new InvalidArgumentError('from must not be after to');
  if (validTime && (from || to)) throw new InvalidArgumentError('give either validTime or from/to, not both');
  const leadHours =
    input.leadHours === undefined || input.leadHours === null
      ? undefined
      : numberList('leadHours', input.leadHours, 0, 1e6);
  const layout = input.layout ?? 'cf';
  if (!LAYOUTS.includes(layout as ProductLayoutName))
    throw new InvalidArgumentError(`layout must be one of ${LAYOUTS.join(', ')}`);
  const members =
    input.members === undefined || input.members === null
      ? method === 'mixed'
        ? MIXED_DEFAULT_MEMBERS
        : undefined
      : parseMembers(input.members);
  const thresholds =
    input.thresholds === undefined ? [] : numberList('thresholds', input.thresholds, -1e12, 1e12);
  const percentiles =
    input.percentiles === undefined
      ? DEFAULT_PERCENTILES
      : numberList('percentiles', input.percentiles, 0, 100);
  let products: Product[];
  if (input.products === undefined) {
    products = ['mean', 'std', 'percentiles'];
    if (thresholds.length) products.push('probabilities');
  } else {
    const list = typeof input.products === 'string' ? input.products.split(',') : input.products;
    if (!Array.isArray(list) || list.length === 0)
      throw new InvalidArgumentError(`products must be a non-empty list of ${PRODUCTS.join(', ')}`);
    for (const p of list)
      if (!PRODUCTS.includes(p as Product))
        throw new InvalidArgumentError(
          `products entry ${JSON.stringify(p)} is not one of ${PRODUCTS.join(', ')}`,
        );
    products = PRODUCTS.filter((p) => (list as string[]).map((s) => s.trim()).includes(p));
  }
  if (products.includes('probabilities') && thresholds.length === 0)
    throw new InvalidArgumentError('thresholds are required when products include probabilities');
  let bbox: ForecastRequest['bbox'];
  if (input.bbox !== undefined && input.bbox !== null) bbox = parseBbox(input.bbox, 'bbox');
  const analysis =
    input.analysis === undefined || input.analysis === null ? undefined : parseAnalysis(input.analysis);
  if (analysis && method !== 'mixed')
    throw new InvalidArgumentError(`analysis feeds the mixed model only; method ${method} does not use it`);
  return {
    source: { path: src.path.trim() },
    variable: input.variable,
    ...(level !== undefined ? { level } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(validTime ? { validTime } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(leadHours ? { leadHours } : {}),
    ...(layout !== 'cf' ? { layout: layout as ProductLayoutName } : {}),
    method,
    model,
    ...(members ? { members } : {}),
    products,
    percentiles,
    thresholds,
    ...(bbox ? { bbox } : {}),
    ...(analysis ? { analysis } : {}),
  };
}

/** A bounding box `west,south,east,north` (degrees; west > east crosses the antimeridian). */
export function parseBbox(v: unknown, field = 'bbox'): [number, number, number, number] {
  const list = typeof v === 'string' ? v.split(',').map((s) => parseDecimal(s.trim())) : v;
  if (!Array.isArray(list) || list.length !== 4 || !list.every(isNum))
    throw new InvalidArgumentError(`${field} must be west,south,east,north in degrees`);
  const [w, s, e, n] = list;
  if (s < -90 || n > 90 || s > n) throw new InvalidArgumentError(`${field} needs -90 ≤ south ≤ north ≤ 90`);
  if (w < -180 || w > 360 || e < -180 || e > 360)
    throw new InvalidArgumentError(`${field} longitudes must lie in [-180, 360]`);
  return [w, s, e, n];
}

/** Canonical JSON: object keys sorted, so equal requests serialise identically. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Deterministic job id: a prefix naming the queue + the first 24 hex digits of SHA-256(canonical request). */
export function jobIdFor(queue: QueueName, request: unknown, stamp = ''): string {
  const digest = createHash('sha256')
    .update(canonicalJson(request))
    .update('\0' + stamp)
    .digest('hex');
  return `${JOB_ID_PREFIX[queue]}-${digest.slice(0, 24)}`;
}

/** Redis pub/sub channel on which the API asks workers to cancel a running job (the message is its id). */
export function cancelChannel(queuePrefix: string): string {
  return `${queuePrefix}:epp:cancel`;
}

/** The queue a job id belongs to, or null when the id is not one of ours. */
export function queueOfJobId(id: string): QueueName | null {
  // Site predictions (`sp-`) run on the forecast queue, site fits (`sf-`) on the train queue (contracts/sites.ts).
  if (/^(fc|sp)-[0-9a-f]{24}$/.test(id)) return 'forecast';
  if (/^(tr|sf)-[0-9a-f]{24}$/.test(id)) return 'train';
  if (/^ba-[0-9a-f]{24}$/.test(id)) return 'batch';
  if (/^rp-[0-9a-f]{24}$/.test(id)) return 'report';
  return null;
}

/** Errors cross process boundaries (sandboxed processors, Redis) as "CODE: message"; this reads them back. */
export function encodeJobError(code: string, message: string): string {
  return `${code}: ${message}`;
}

export function decodeJobError(reason: string | undefined | null): { code: string; message: string } {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { code: m[1], message: m[2] } : { code: 'INTERNAL', message: reason || 'unknown error' };
}

/**
 * A case-study report request (libs/pipeline/report) as the API takes it: `data` is a folder
 * relative to the data root (with `forecasts/` or `history/` and `truth/`), `model` is `emos` or a model
 * id under `<dataDir>/models/`. The output folder is not chosen by the client: `<dataDir>/outputs/<id>/`.
 */
export interface ReportRequest {
  /**
   * `grid` (default): a gridded case study of `data`'s forecasts/ and truth/. `sites`: the most extreme
   * observed days of a station archive — `data` holds forecast.nc and observation.csv (or .nc); EMOS and the
   * DRN are fitted in the job without each event's year, so `model` is not used.
   */
  kind?: 'grid' | 'sites';
  /** sites: number of events (default 5), `max` (heaviest) or `min` (lowest) days, days shown around each. */
  events?: number;
  extreme?: 'max' | 'min';
  windowDays?: number;
  data: string;
  variable: string;
  model: string;
  event?: string;
  /** [west, south, east, north] in degrees. */
  bbox?: [number, number, number, number];
  from?: string;
  to?: string;
  members?: number;
  leadHours?: number;
  threshold?: number;
  pdf: boolean;
  title?: string;
}

export interface ReportJobPayload {
  id: string;
  request: ReportRequest;
}

export interface ReportJobResult {
  /** Paths relative to the data root; `pdf` is null when not printed (reason in `pdfSkipped`). */
  outputs: { html: string; json: string; pdf: string | null };
  pdfSkipped?: string;
  validTimes: string[];
  warnings: string[];
}

const REPORT_FIELDS = new Set([
  'kind',
  'events',
  'extreme',
  'windowDays',
  'data',
  'variable',
  'model',
  'event',
  'bbox',
  'from',
  'to',
  'members',
  'leadHours',
  'threshold',
  'pdf',
  'title',
]);
/** An ISO time without a zone is UTC (Date.parse would read a date-time without one as local time). */
function isoUtc(s: string): string {
  s = s.replace(/T(\d{2})(?=$|Z|[+-])/, 'T$1:00');
  return /T/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s;
}
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Apply defaults and check a report request; errors name the field. Paths are checked against the root later. */
export function normaliseReportRequest(input: Record<string, unknown>): ReportRequest {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new InvalidArgumentError('the report request must be a JSON object');
  for (const k of Object.keys(input))
    if (!REPORT_FIELDS.has(k)) throw new InvalidArgumentError(`unknown field ${JSON.stringify(k)}`);
  if (typeof input.data !== 'string' || !input.data.trim())
    throw new InvalidArgumentError('data must be a folder relative to the data root');
  if (typeof input.variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(input.variable))
    throw new InvalidArgumentError('variable must be a variable name like t850 or air_temperature');
  const model = input.model ?? 'emos';
  if (!isModelRef(model))
    throw new InvalidArgumentError('model must be "emos" or a model id (optionally @version)');
  const str = (k: 'event' | 'from' | 'to' | 'title', max: number): string | undefined => {
    const v = input[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v.trim() || v.length > max)
      throw new InvalidArgumentError(`${k} must be a non-empty string of at most ${max} characters`);
    return v.trim();
  };
  const event = str('event', 100);
  const from = str('from', 40);
  const to = str('to', 40);
  const title = str('title', 200);
  for (const [k, v] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (v !== undefined && !ISO_TIME.test(v))
      throw new InvalidArgumentError(`${k} must be an ISO date or time`);
  const bbox = input.bbox === undefined || input.bbox === null ? undefined : parseBbox(input.bbox, 'bbox');
  if (event && (bbox || from || to))
    throw new InvalidArgumentError('give either event or bbox/from/to, not both');
  const num = (k: 'members' | 'leadHours' | 'threshold'): number | undefined => {
    const v = input[k];
    if (v === undefined || v === null) return undefined;
    if (!isNum(v)) throw new InvalidArgumentError(`${k} must be a number`);
    return v;
  };
  const members = num('members');
  if (members !== undefined && !(Number.isInteger(members) && members >= 2 && members <= 1000))
    throw new InvalidArgumentError('members must be an integer in [2, 1000]');
  const leadHours = num('leadHours');
  if (leadHours !== undefined && leadHours < 0) throw new InvalidArgumentError('leadHours must be >= 0');
  const threshold = num('threshold');
  if (input.pdf !== undefined && typeof input.pdf !== 'boolean')
    throw new InvalidArgumentError('pdf must be true or false');
  const kind = input.kind ?? 'grid';
  if (kind !== 'grid' && kind !== 'sites') throw new InvalidArgumentError('kind must be "grid" or "sites"');
  const sites: Pick<ReportRequest, 'events' | 'extreme' | 'windowDays'> = {};
  if (kind === 'sites') {
    if (event || bbox || leadHours !== undefined || threshold !== undefined || input.model !== undefined)
      throw new InvalidArgumentError('a sites report takes no event, bbox, leadHours, threshold or model');
    const int = (k: 'events' | 'windowDays', lo: number, hi: number): number | undefined => {
      const v = input[k];
      if (v === undefined || v === null) return undefined;
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi))
        throw new InvalidArgumentError(`${k} must be an integer in [${lo}, ${hi}]`);
      return v;
    };
    const events = int('events', 1, 20);
    const windowDays = int('windowDays', 1, 30);
    if (input.extreme !== undefined && input.extreme !== 'max' && input.extreme !== 'min')
      throw new InvalidArgumentError('extreme must be "max" or "min"');
    if (events !== undefined) sites.events = events;
    if (windowDays !== undefined) sites.windowDays = windowDays;
    if (input.extreme !== undefined) sites.extreme = input.extreme;
  } else
    for (const k of ['events', 'extreme', 'windowDays'])
      if (input[k] !== undefined) throw new InvalidArgumentError(`${k} applies to kind "sites" only`);
  return {
    ...(kind === 'sites' ? { kind, ...sites } : {}),
    data: input.data.trim(),
    variable: input.variable,
    model,
    ...(event ? { event } : {}),
    ...(bbox ? { bbox } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(members !== undefined ? { members } : {}),
    ...(leadHours !== undefined ? { leadHours } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    pdf: input.pdf !== false,
    ...(title ? { title } : {}),
  };
}
