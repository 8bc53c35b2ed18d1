/**
 * Types of the nightly batch (DESIGN §1, §6): the targets it post-processes, the ledger that makes a rerun
 * do no duplicate work, the jobs it plans, the scores it appends to the history and the run record.
 */
import type { ForecastJobPayload, Method } from '../../contracts/jobs.js';
import type { SitePredictJobPayload } from '../../contracts/sites.js';
import type { SiteLedgerEntry, SiteRunRecord } from './sites.js';
import type { Scores } from '../../scoring/types.js';

/** One variable at one pressure level, named like the paper's targets (`t850`, `z500`). */
export interface BatchTarget {
  name: string;
  variable: string;
  level?: number;
}

/** The paper's two targets (T850, Z500 at +48 h). */
export const DEFAULT_TARGETS: BatchTarget[] = [
  { name: 't850', variable: 't', level: 850 },
  { name: 'z500', variable: 'z', level: 500 },
];

export type TargetStatus = 'pending' | 'processed' | 'failed';

/** What the ledger knows about one (forecast file, target). */
export interface TargetEntry {
  status: TargetStatus;
  jobId: string;
  runId: string;
  method: Method;
  model?: string;
  /** Runs that tried this target (failed ones are retried up to MAX_ATTEMPTS runs). */
  attempts: number;
  /** Paths relative to the data root once processed. */
  output?: string;
  /** Valid time of the post-processed field, epoch seconds. */
  validTime?: number;
  error?: { code: string; message: string };
  verified?: { runId: string; at: string; truth: string };
}

export interface LedgerFile {
  /** `size:mtimeMs` when the file was seen; a different stamp is a replaced file, processed again. */
  stamp: string;
  firstSeen: string;
  targets: Record<string, TargetEntry>;
}

export interface Ledger {
  version: 1;
  /** Forecast files by path relative to the data root. */
  files: Record<string, LedgerFile>;
  /** Truth files by path relative to the data root, with their valid times (read once per stamp). */
  truth: Record<string, { stamp: string; validTimes: number[] }>;
  /** Site forecast files (inbox/sites/<model>/forecasts/) by path: their prediction and verification (sites.ts). */
  sites?: Record<string, SiteLedgerEntry>;
}

/** One post-processing job of a batch. */
export interface PlannedJob {
  file: string;
  target: string;
  payload: ForecastJobPayload;
}

/** A job of a batch on the forecast queue: a gridded post-processing or a site prediction (sites.ts). */
export type BatchQueueJob = PlannedJob | { file: string; target: string; payload: SitePredictJobPayload };

/** Jobs of a run that failed and were not replaced by a fallback: the (file, target)s left unprocessed. */
export function unprocessedJobs(r: BatchRunRecord): BatchRunRecord['jobs'] {
  return r.jobs.filter((j) => j.status === 'failed' && !j.fallbackTo);
}

export type JobOutcome =
  | { id: string; ok: true; output: string; validTime: number }
  | { id: string; ok: false; error: { code: string; message: string } };

/** Compact scores kept in the history and the run record. */
export type ScoreSummary = Pick<
  Scores,
  'crps' | 'crps_fair' | 'crps_gaussian' | 'rmse' | 'bias' | 'spread' | 'ssr' | 'n' | 'n_missing' | 'weights'
>;

/** One line of `<dataDir>/batch/scores.jsonl`. */
export interface ScoreHistoryLine {
  runId: string;
  at: string;
  file: string;
  target: string;
  variable: string;
  level?: number;
  validTime: string;
  truth: string;
  method: Method;
  model?: string;
  jobId: string;
  output: string;
  raw10: ScoreSummary;
  raw5: ScoreSummary;
  postprocessed: ScoreSummary;
  /** 1 − CRPS(post-processed) / CRPS(raw10): the paper's relative improvement (standard estimator). */
  crpsSkillVsRaw10: number;
  /** 1 − CRPS(post-processed) / the lowest of raw10's standard, fair and Gaussian CRPS, named (issue 14). */
  crpsSkillVsStrongestRaw10: { reference: 'crps' | 'crps_fair' | 'crps_gaussian'; skill: number };
}

export interface BatchRunRecord {
  id: string;
  status: 'running' | 'completed' | 'failed';
  /** As-of date (YYYY-MM-DD): truths valid after the end of this day are not used yet. */
  date: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /**
   * Method per target chosen for this run (mixed → emos → raw, the first available), with the methods a
   * file falls back to, in order, when its job fails (decided per file and target, not per run).
   */
  methods: Record<
    string,
    { method: Method; model?: string; why: string; fallbacks?: { method: Method; model?: string }[] }
  >;
  scanned: { forecasts: number; truths: number };
  jobs: {
    id: string;
    file: string;
    target: string;
    method: Method;
    status: TargetStatus;
    output?: string;
    error?: { code: string; message: string };
    /** Set on a failed job that was retried with the next method: that job's id. */
    fallbackTo?: string;
  }[];
  verifications: {
    file: string;
    target: string;
    status: 'verified' | 'failed';
    truth?: string;
    error?: { code: string; message: string };
    crps?: { raw10: number; raw5: number; postprocessed: number; skill: number };
  }[];
  error?: { code: string; message: string };
  /** Site targets (inbox/sites/<model>/): their jobs and verifications (sites.ts). */
  sites?: SiteRunRecord;
}
