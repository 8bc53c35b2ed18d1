/**
 * Site targets of the nightly batch (issue 12). Convention, no configuration: every folder
 * `<dataDir>/inbox/sites/<model>/` is a site target `sites:<model>`; its CF timeSeries forecast files in
 * `forecasts/` are predicted with the latest version of site model `<model>` (a site prediction job on the
 * forecast queue, like the gridded jobs), once per file (the ledger's `sites` part; a replaced file is
 * predicted again, a failed one retried up to MAX_ATTEMPTS runs). Observations in `observations/` (CF
 * timeSeries NetCDF or CSV) verify a prediction once some of its (time, station) cells have one valid
 * before the end of the as-of day: mean closed-form CRPS of the predictive distribution (libs/sites
 * distributions, from the job's parameters.json) against the fair ensemble CRPS (Ferro 2014) of all raw
 * members and of the K members the model uses, on the same pairs; one line per verification in
 * `batch/site-scores.jsonl`.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataError, EppError } from '../../contracts/errors.js';
import {
  SITE_PARAMETERS_FILE,
  normaliseSitePredictRequest,
  siteJobIdFor,
  type SitePredictJobPayload,
} from '../../contracts/sites.js';
import { isModelId } from '../../contracts/jobs.js';
import { ensembleCrpsSorted } from '../../scoring/crps.js';
import {
  MAX_BERNSTEIN_DEGREE,
  bernsteinCrps,
  isBernsteinDegree,
  readBernsteinCoefficients,
} from '../../sites/bernstein.js';
import { crps } from '../../sites/distributions.js';
import { loadSiteModel, toModelUnits } from '../../sites/model.js';
import { alignObservations } from '../../sites/pairing.js';
import { mergeObservations, readSiteForecast, readSiteObservations } from '../../sites/read.js';
import type { SiteFamily } from '../../sites/types.js';
import { siteModelFolder } from '../sites/job.js';
import { resolveModel } from '../train/store.js';
import type { InboxFile } from './inbox.js';

export const INBOX_SITES = 'inbox/sites';
export const SITE_SCORES_FILE = 'site-scores.jsonl';
const MAX_ATTEMPTS = 3;

/** What the ledger keeps per site forecast file (`ledger.sites[path]`). */
export interface SiteLedgerEntry {
  stamp: string;
  target: string;
  status: 'pending' | 'processed' | 'failed';
  jobId: string;
  runId: string;
  model: string;
  attempts: number;
  output?: string;
  error?: { code: string; message: string };
  verified?: { runId: string; at: string; pairs: number };
}

export interface PlannedSiteJob {
  file: string;
  target: string;
  payload: SitePredictJobPayload;
}

export interface SiteVerification {
  file: string;
  target: string;
  status: 'verified' | 'failed';
  error?: { code: string; message: string };
  /** Pairs with an observation; mean CRPS of the model and of the raw ensemble (fair), skill vs raw all. */
  pairs?: number;
  crps?: { model: number; rawAllFair: number; rawKFair: number; skillVsRawAll: number };
}

/** The run record's site part. */
export interface SiteRunRecord {
  targets: Record<string, { model?: string; why: string }>;
  jobs: {
    id: string;
    file: string;
    target: string;
    model: string;
    status: 'pending' | 'processed' | 'failed';
    output?: string;
    error?: { code: string; message: string };
  }[];
  verifications: SiteVerification[];
}

const errorOf = (err: unknown) =>
  err instanceof EppError
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };

function files(dataDir: string, sub: string, ext: RegExp): InboxFile[] {
  const dir = path.join(dataDir, sub);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => ext.test(n) && !n.startsWith('.') && !n.includes('.tmp'))
    .map((n) => ({ n, st: statSync(path.join(dir, n)) }))
    .filter(({ st }) => st.isFile())
    .map(({ n, st }) => ({ rel: `${sub}/${n}`, stamp: `${st.size}:${Math.round(st.mtimeMs)}` }))
    .sort((a, b) => a.rel.localeCompare(b.rel));
}

/** The site model ids with an inbox folder holding `forecasts/`. */
export function siteTargetModels(dataDir: string): string[] {
  const root = path.join(dataDir, INBOX_SITES);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => isModelId(n) && existsSync(path.join(root, n, 'forecasts')))
    .sort();
}

/** Plan one site prediction per new, replaced or retried forecast file; updates the ledger's site part. */
export function planSiteJobs(
  dataDir: string,
  ledger: { sites?: Record<string, SiteLedgerEntry> },
  runId: string,
  bundledModels?: string | null,
): { jobs: PlannedSiteJob[]; record: SiteRunRecord; scanned: number } {
  const record: SiteRunRecord = { targets: {}, jobs: [], verifications: [] };
  const jobs: PlannedSiteJob[] = [];
  const sites = (ledger.sites ??= {});
  let scanned = 0;
  for (const id of siteTargetModels(dataDir)) {
    const target = `sites:${id}`;
    let ref: string;
    try {
      const v = resolveModel(dataDir, id, bundledModels);
      siteModelFolder(v.dir, id);
      ref = `${v.id}@${v.version}`;
    } catch (err) {
      record.targets[target] = { why: `not predicted: ${errorOf(err).message}` };
      continue;
    }
    record.targets[target] = { model: ref, why: `${ref} is the latest site model ${id}` };
    const found = files(dataDir, `${INBOX_SITES}/${id}/forecasts`, /\.nc$/i);
    scanned += found.length;
    for (const f of found) {
      const prev = sites[f.rel];
      const same = prev && prev.stamp === f.stamp;
      if (same && prev.status !== 'failed') continue;
      if (same && prev.attempts >= MAX_ATTEMPTS) continue;
      const attempts = same ? prev.attempts + 1 : 1;
      const request = normaliseSitePredictRequest({ forecast: f.rel, model: ref });
      const jobId = siteJobIdFor('site-predict', request, `${f.stamp}#batch${attempts}`);
      sites[f.rel] = { stamp: f.stamp, target, status: 'pending', jobId, runId, model: ref, attempts };
      record.jobs.push({ id: jobId, file: f.rel, target, model: ref, status: 'pending' });
      jobs.push({
        file: f.rel,
        target,
        payload: { kind: 'site-predict', id: jobId, request, sourceStamp: f.stamp },
      });
    }
  }
  return { jobs, record, scanned };
}

interface Parameters {
  family: SiteFamily;
  times: string[];
  stations: string[];
  mu: (number | null)[];
  sigma: (number | null)[];
  shift: (number | null)[];
  /** A Bernstein quantile network's coefficients [time, station, degree + 1] (libs/sites/model.ts). */
  bernstein?: { degree: number; censored: boolean; coefficients: (number | null)[] };
}

/**
 * Score one processed site prediction against the observations valid before `cutoff` (epoch s); null when
 * no (time, station) of it has an observation yet.
 */
export async function verifySitePrediction(
  dataDir: string,
  file: string,
  entry: SiteLedgerEntry,
  observationFiles: string[],
  cutoff: number,
  bundledModels?: string | null,
): Promise<{ pairs: number; model: number; rawAllFair: number; rawKFair: number } | null> {
  const abs = (rel: string) => path.join(dataDir, rel);
  const par = JSON.parse(
    readFileSync(path.join(path.dirname(abs(entry.output!)), SITE_PARAMETERS_FILE), 'utf8'),
  ) as Parameters;
  const bq = par.bernstein;
  if (
    bq &&
    !(
      isBernsteinDegree(bq.degree) &&
      typeof bq.censored === 'boolean' &&
      Array.isArray(bq.coefficients) &&
      bq.coefficients.length === par.times.length * par.stations.length * (bq.degree + 1)
    )
  )
    throw new DataError(
      `${entry.output}: field 'bernstein' of ${SITE_PARAMETERS_FILE} must hold a degree (1 to ${MAX_BERNSTEIN_DEGREE}), 'censored' and degree + 1 coefficients per time and station`,
    );
  const coefficients = bq
    ? readBernsteinCoefficients(
        bq.coefficients,
        bq.degree,
        `${entry.output}: field 'bernstein' of ${SITE_PARAMETERS_FILE}`,
      )
    : null;
  const { model } = loadSiteModel(
    siteModelFolder(resolveModel(dataDir, entry.model, bundledModels).dir, entry.model),
  );
  const f = toModelUnits(model, await readSiteForecast(abs(file), model.variable));
  const obs = mergeObservations(
    await Promise.all(observationFiles.map((o) => readSiteObservations(abs(o), model.variable, f.units))),
  );
  const { data: y } = alignObservations(f, obs);
  const S = f.stations.id.length;
  const M = f.members.length;
  const tIndex = new Map(Array.from(f.times, (t, i) => [t, i]));
  const sIndex = new Map(f.stations.id.map((s, i) => [s, i]));
  const kPos = model.members.map((id) => f.members.indexOf(id));
  let n = 0;
  let sm = 0;
  let sa = 0;
  let sk = 0;
  const all = new Float64Array(M);
  const sub = new Float64Array(kPos.length);
  par.times.forEach((iso, pt) => {
    const tSec = Date.parse(iso) / 1000;
    const t = tIndex.get(tSec);
    if (t === undefined || !(tSec < cutoff)) return;
    par.stations.forEach((id, ps) => {
      const s = sIndex.get(id);
      const k = pt * par.stations.length + ps;
      const mu = par.mu[k];
      const sigma = par.sigma[k];
      if (s === undefined || mu === null || sigma === null) return;
      const obsValue = y[t * S + s];
      if (!Number.isFinite(obsValue)) return;
      for (let m = 0; m < M; m++) all[m] = f.data[(t * S + s) * M + m];
      kPos.forEach((p, j) => (sub[j] = all[p]));
      if (!all.every(Number.isFinite)) return;
      // A BQN scores its own quantile function (exact CRPS, bernstein.ts); μ, σ are only its mean and sd.
      const c =
        bq && coefficients
          ? bernsteinCrps(
              { a: coefficients, off: k * (bq.degree + 1), d: bq.degree, censored: bq.censored },
              obsValue,
            )
          : crps(par.family, mu, sigma, obsValue, par.shift[k] ?? 0);
      sm += c;
      sa += ensembleCrpsSorted(Float64Array.from(all).sort(), M, obsValue).fair;
      sk += ensembleCrpsSorted(Float64Array.from(sub).sort(), sub.length, obsValue).fair;
      n++;
    });
  });
  if (n === 0) return null;
  return { pairs: n, model: sm / n, rawAllFair: sa / n, rawKFair: sk / n };
}

/**
 * Record the site jobs' outcomes in the ledger and the run record, then verify every processed site
 * prediction not yet verified whose target has observations.
 */
export async function finaliseSites(
  dataDir: string,
  runId: string,
  site: SiteRunRecord,
  ledger: { sites?: Record<string, SiteLedgerEntry> },
  outcome: (
    id: string,
  ) => { ok: true; output: string } | { ok: false; error: { code: string; message: string } },
  cutoff: number,
  bundledModels?: string | null,
): Promise<void> {
  const sites = (ledger.sites ??= {});
  for (const j of site.jobs) {
    const o = outcome(j.id);
    if (o.ok) {
      j.status = 'processed';
      j.output = o.output;
    } else {
      j.status = 'failed';
      j.error = o.error;
    }
    const e = sites[j.file];
    if (!e || e.jobId !== j.id) continue;
    e.status = j.status;
    if (o.ok) {
      e.output = o.output;
      delete e.error;
    } else e.error = o.error;
  }
  const lines: string[] = [];
  for (const [file, e] of Object.entries(sites)) {
    if (e.status !== 'processed' || e.verified || !e.output) continue;
    const model = e.target.slice('sites:'.length);
    const obsFiles = files(dataDir, `${INBOX_SITES}/${model}/observations`, /\.(nc|csv)$/i).map((x) => x.rel);
    if (!obsFiles.length) continue;
    try {
      const v = await verifySitePrediction(dataDir, file, e, obsFiles, cutoff, bundledModels);
      if (!v) continue;
      const at = new Date().toISOString();
      e.verified = { runId, at, pairs: v.pairs };
      const skill = 1 - v.model / v.rawAllFair;
      site.verifications.push({
        file,
        target: e.target,
        status: 'verified',
        pairs: v.pairs,
        crps: { model: v.model, rawAllFair: v.rawAllFair, rawKFair: v.rawKFair, skillVsRawAll: skill },
      });
      lines.push(
        JSON.stringify({
          runId,
          at,
          file,
          target: e.target,
          model: e.model,
          jobId: e.jobId,
          output: e.output,
          observations: obsFiles,
          pairs: v.pairs,
          crps: v.model,
          crpsRawAllFair: v.rawAllFair,
          crpsRawKFair: v.rawKFair,
          crpsSkillVsRawAllFair: skill,
          estimator: 'closed-form CRPS of the predictive distribution; raw: fair ensemble CRPS (Ferro 2014)',
        }),
      );
    } catch (err) {
      site.verifications.push({ file, target: e.target, status: 'failed', error: errorOf(err) });
    }
  }
  if (lines.length) {
    mkdirSync(path.join(dataDir, 'batch'), { recursive: true });
    appendFileSync(path.join(dataDir, 'batch', SITE_SCORES_FILE), lines.map((l) => l + '\n').join(''));
  }
}
