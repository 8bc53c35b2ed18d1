/**
 * Options of a case-study report, validated once (configure, then process): where the data are, which
 * event or region and window, which variable, which post-processing, where to write.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileAccessError, InvalidArgumentError } from '../../contracts/errors.js';
import { parseBBox, validateBBox, type BBox } from '../../report/geo.js';

export interface CaseStudyRequest {
  /** Folder holding `forecasts/` (or IMPROVER's `history/`) and `truth/`, optionally a testbed `manifest.json`. */
  data?: string;
  /** Explicit forecast and truth files (instead of, or in addition to, `data`). */
  forecast?: string[];
  truth?: string[];
  /** A labelled event of the data's manifest.json (gives the box and window). */
  event?: string;
  /** `W,S,E,N` degrees, or a box; default: the whole grid. */
  bbox?: string | BBox;
  /** Window of valid times (ISO dates or times, inclusive; a bare date `to` covers that whole day). */
  from?: string;
  to?: string;
  /** e.g. `t850` (t at 850 hPa) or `air_temperature`. */
  variable: string;
  /** `emos`, or a trained mixed-model folder. */
  model: string;
  out: string;
  /** Raw subset size k (members 1..k in file order); default 5 or half the ensemble if smaller. */
  members?: number;
  /** Lead time in hours (forecast files with several steps); default the longest lead available. */
  leadHours?: number;
  /** Event threshold for exceedance maps, Brier and reliability; default the 90th percentile of the truth. */
  threshold?: number;
  /** Print the HTML to PDF with headless Chromium when available (default true). */
  pdf?: boolean;
  title?: string;
  /**
   * Names shown for the data folder and the model in the report (e.g. data-root-relative names from the
   * service). Default: the paths as given when relative, their last component when absolute — a report never
   * shows an absolute server path.
   */
  labels?: { data?: string; model?: string };
}

/** A path as a report may show it: relative paths as given, absolute ones by their last component only. */
export function displayPath(p: string): string {
  return path.isAbsolute(p) ? path.basename(p) : p;
}

export interface ResolvedCaseStudy {
  forecastFiles: string[];
  truthFiles: string[];
  bbox?: BBox;
  from?: number;
  to?: number;
  eventName?: string;
  eventDescription?: string;
  request: CaseStudyRequest;
}

function listNc(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.nc'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** ISO date/time → epoch seconds; a bare date as `to` means the end of that day. */
export function parseTime(text: string, endOfDay: boolean, what: string): number {
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(bare ? `${text}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${what} "${text}" is not an ISO date or time`);
  return ms / 1000 + (bare && endOfDay ? 86399 : 0);
}

interface ManifestEvent {
  name: string;
  start: string;
  end: string;
  bbox: [number, number, number, number];
  description?: string;
}

function findEvent(dataDir: string | undefined, name: string): ManifestEvent {
  const file = dataDir ? path.join(dataDir, 'manifest.json') : '';
  if (!dataDir || !existsSync(file))
    throw new InvalidArgumentError(
      `--event ${name} needs --data DIR with a manifest.json listing the events`,
    );
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { events?: ManifestEvent[] };
  const events = manifest.events ?? [];
  const hit = events.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (!hit)
    throw new InvalidArgumentError(
      `${file}: no event "${name}" (events: ${events.map((e) => e.name).join(', ') || 'none'})`,
    );
  return hit;
}

/** Validate a request and find its files; every problem is a typed error naming the option or file. */
export function resolveCaseStudy(req: CaseStudyRequest): ResolvedCaseStudy {
  if (!req.variable) throw new InvalidArgumentError('--variable is required');
  if (!req.model) throw new InvalidArgumentError('--model is required (emos or a model folder)');
  if (!req.out) throw new InvalidArgumentError('--out is required');
  if (req.members !== undefined && !(Number.isInteger(req.members) && req.members >= 2))
    throw new InvalidArgumentError(`--members ${req.members} must be an integer >= 2`);
  if (req.threshold !== undefined && !Number.isFinite(req.threshold))
    throw new InvalidArgumentError(`--threshold ${req.threshold} is not a number`);
  if (req.data && !existsSync(req.data)) throw new FileAccessError(`data folder ${req.data} does not exist`);
  const forecastFiles = [...(req.forecast ?? [])];
  const truthFiles = [...(req.truth ?? [])];
  if (req.data) {
    const fdir = ['forecasts', 'history'].map((d) => path.join(req.data!, d)).find((d) => existsSync(d));
    forecastFiles.push(...(fdir ? listNc(fdir) : []));
    truthFiles.push(...listNc(path.join(req.data, 'truth')));
  }
  for (const f of [...forecastFiles, ...truthFiles])
    if (!existsSync(f)) throw new FileAccessError(`${f} does not exist`);
  if (forecastFiles.length === 0)
    throw new InvalidArgumentError(
      'no forecast files: give --data DIR (with forecasts/ or history/) or --forecast FILES',
    );
  if (truthFiles.length === 0)
    throw new InvalidArgumentError('no truth files: give --data DIR (with truth/) or --truth FILES');
  const out: ResolvedCaseStudy = { forecastFiles, truthFiles, request: req };
  if (req.event) {
    if (req.bbox || req.from || req.to)
      throw new InvalidArgumentError('give either --event or --bbox/--from/--to, not both');
    const e = findEvent(req.data, req.event);
    const [w, s, east, n] = e.bbox;
    out.bbox = validateBBox({ west: w, south: s, east: east < w ? east + 360 : east, north: n });
    out.from = parseTime(e.start, false, `event ${e.name} start`);
    out.to = parseTime(e.end, true, `event ${e.name} end`);
    out.eventName = e.name;
    out.eventDescription = e.description;
  } else {
    if (req.bbox) out.bbox = typeof req.bbox === 'string' ? parseBBox(req.bbox) : validateBBox(req.bbox);
    if (req.from) out.from = parseTime(req.from, false, '--from');
    if (req.to) out.to = parseTime(req.to, true, '--to');
    if (out.from !== undefined && out.to !== undefined && out.to < out.from)
      throw new InvalidArgumentError(`--to ${req.to} is before --from ${req.from}`);
  }
  return out;
}
