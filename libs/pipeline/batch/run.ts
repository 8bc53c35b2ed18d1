/**
 * One nightly batch, in two halves so that a queue can run the jobs in between: `prepare` (lock, scan the
 * inbox, choose methods, plan one job per new (file, target), write the run record) and `finalise` (record
 * every job's outcome in the ledger, verify every processed forecast whose truth has arrived, append the
 * scores to the history, write the run record, unlock). `run` does both around an executor — the CLI and
 * the embedded queue use it; BullMQ runs the jobs as a flow whose parent calls `finalise`.
 */
import { randomBytes } from 'node:crypto';
import { EppError, InvalidArgumentError } from '../../contracts/errors.js';
import type { ForecastJobPayload, ForecastJobResult, ProgressFn } from '../../contracts/jobs.js';
import type { SitePredictJobPayload, SitePredictJobResult } from '../../contracts/sites.js';
import { finaliseSites, planSiteJobs } from './sites.js';
import { INBOX_FORECASTS, indexTruth, scanFolder } from './inbox.js';
import { chooseMethod, planFallback, planJobs, type MethodChoice } from './plan.js';
import { BatchStore } from './store.js';
import {
  DEFAULT_TARGETS,
  type BatchQueueJob,
  type BatchRunRecord,
  type BatchTarget,
  type JobOutcome,
  type PlannedJob,
  type ScoreHistoryLine,
  unprocessedJobs,
} from './types.js';
import { batchValidTime, verifyTarget } from './verify.js';

export interface BatchOptions {
  dataDir: string;
  targets?: BatchTarget[];
  /** Check that a mixed model folder loads (default: load it with libs/model). */
  probeMixed?: (dir: string) => Promise<void>;
  /** The install's shipped models folder searched after the data root's (default: found from the install; null: none). */
  bundledModels?: string | null;
}

export interface PrepareOptions {
  /** Run id (a queue job id, or generated). */
  id?: string;
  /** As-of date YYYY-MM-DD (default: today, UTC). */
  date?: string;
  trigger?: string;
}

/** Runs a batch's jobs and reports each outcome (in any order); `done` counts finished jobs for progress. */
export type BatchExecutor = (
  jobs: BatchQueueJob[],
  onJobDone: (done: number, total: number) => void | Promise<void>,
) => Promise<JobOutcome[]>;

export interface PreparedBatch {
  record: BatchRunRecord;
  jobs: BatchQueueJob[];
}

const DAY = 86400;

/** Failures of the forecast file itself (or the disk): no other method can read it, so no fallback. */
const UNREADABLE_INPUT = new Set([
  'INVALID_NETCDF',
  'INVALID_GRIB',
  'UNSUPPORTED_GRIB',
  'FILE_ACCESS',
  'INSUFFICIENT_STORAGE',
]);

/** The outcome of a finished forecast job (gridded or site prediction: both report these two fields). */
export function outcomeOf(
  id: string,
  result: Pick<ForecastJobResult | SitePredictJobResult, 'outputs'> & { summary: { validTime: string } },
): JobOutcome {
  return {
    id,
    ok: true,
    output: result.outputs.nc,
    validTime: Date.parse(result.summary.validTime) / 1000,
  };
}

export function errorOf(err: unknown): { code: string; message: string } {
  return err instanceof EppError
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** What a batch job returns through the job API: counts and where the full record is. */
export function batchJobResult(r: BatchRunRecord) {
  return {
    batch: r.id,
    status: r.status,
    record: `batch/runs/${r.id}.json`,
    jobs: {
      total: r.jobs.length,
      processed: r.jobs.filter((j) => j.status === 'processed').length,
      failed: unprocessedJobs(r).length,
      fellBack: r.jobs.filter((j) => j.fallbackTo).length,
    },
    verified: r.verifications.filter((v) => v.status === 'verified').length,
    ...(r.sites
      ? {
          sites: {
            jobs: r.sites.jobs.length,
            processed: r.sites.jobs.filter((j) => j.status === 'processed').length,
            failed: r.sites.jobs.filter((j) => j.status === 'failed').length,
            verified: r.sites.verifications.filter((v) => v.status === 'verified').length,
          },
        }
      : {}),
    methods: Object.fromEntries(Object.entries(r.methods).map(([k, v]) => [k, v.method])),
    durationMs: r.durationMs,
    ...(r.error ? { error: r.error } : {}),
  };
}

export function newRunId(now = new Date()): string {
  const s = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `run-${s}Z-${randomBytes(3).toString('hex')}`;
}

export class NightlyBatch {
  private readonly store: BatchStore;
  private readonly targets: BatchTarget[];

  constructor(private readonly opts: BatchOptions) {
    this.targets = opts.targets ?? DEFAULT_TARGETS;
    if (!this.targets.length) throw new InvalidArgumentError('a batch needs at least one target');
    const names = new Set(this.targets.map((t) => t.name));
    if (names.size !== this.targets.length)
      throw new InvalidArgumentError('batch target names must be unique');
    this.store = new BatchStore(opts.dataDir);
  }

  async prepare(o: PrepareOptions = {}): Promise<PreparedBatch> {
    const date = o.date ?? new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw new InvalidArgumentError(`date ${JSON.stringify(date)} must be YYYY-MM-DD`);
    const id = o.id ?? newRunId();
    this.store.lock(id);
    try {
      const ledger = this.store.loadLedger();
      const methods: Record<string, MethodChoice> = {};
      for (const t of this.targets)
        methods[t.name] = await chooseMethod(
          this.opts.dataDir,
          t,
          this.opts.probeMixed,
          this.opts.bundledModels,
        );
      const files = scanFolder(this.opts.dataDir, INBOX_FORECASTS);
      const jobs = planJobs(files, this.targets, methods, ledger, id);
      const sites = planSiteJobs(this.opts.dataDir, ledger, id, this.opts.bundledModels);
      this.store.saveLedger(ledger);
      const record: BatchRunRecord = {
        id,
        status: 'running',
        date,
        trigger: o.trigger ?? 'manual',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        durationMs: null,
        methods,
        scanned: { forecasts: files.length, truths: 0 },
        jobs: jobs.map((j) => ({
          id: j.payload.id,
          file: j.file,
          target: j.target,
          method: j.payload.request.method,
          status: 'pending',
        })),
        verifications: [],
        ...(Object.keys(sites.record.targets).length ? { sites: sites.record } : {}),
      };
      this.store.saveRun(record);
      return { record, jobs: [...jobs, ...sites.jobs] };
    } catch (err) {
      this.store.unlock(id);
      throw err;
    }
  }

  /** Record outcomes, verify what can be verified, write the final run record and release the lock. */
  async finalise(id: string, outcomes: JobOutcome[], onProgress?: ProgressFn): Promise<BatchRunRecord> {
    const record = this.store.getRun(id);
    if (!record) throw new InvalidArgumentError(`no batch run ${id}`);
    try {
      const ledger = this.store.loadLedger();
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      for (const j of record.jobs) {
        const entry = ledger.files[j.file]?.targets[j.target];
        const o = byId.get(j.id);
        const outcome: JobOutcome = o ?? {
          id: j.id,
          ok: false,
          error: { code: 'NO_RESULT', message: 'the job reported no result (lost or still running)' },
        };
        if (outcome.ok) {
          j.status = 'processed';
          j.output = outcome.output;
        } else {
          j.status = 'failed';
          j.error = outcome.error;
        }
        if (!entry || entry.jobId !== j.id) continue;
        if (outcome.ok) {
          const target = this.targets.find((t) => t.name === j.target)!;
          entry.status = 'processed';
          entry.output = outcome.output;
          delete entry.error;
          try {
            entry.validTime = Number.isFinite(outcome.validTime)
              ? outcome.validTime
              : await batchValidTime(this.opts.dataDir, j.file, target);
          } catch (err) {
            // Processed, but it can never be verified: say so in the ledger and the run record.
            entry.error = errorOf(err);
            j.error = entry.error;
          }
        } else {
          entry.status = 'failed';
          entry.error = outcome.error;
        }
      }
      this.store.saveLedger(ledger);

      const cutoff = Date.parse(`${record.date}T00:00:00Z`) / 1000 + DAY;
      const truth = await indexTruth(this.opts.dataDir, ledger, this.targets[0]);
      record.scanned.truths = truth.count;
      const lines: ScoreHistoryLine[] = [];
      const todo: [string, BatchTarget][] = [];
      for (const [file, f] of Object.entries(ledger.files))
        for (const t of this.targets) {
          const e = f.targets[t.name];
          if (e?.status === 'processed' && !e.verified && e.validTime !== undefined) {
            const tr = truth.byTime.get(e.validTime);
            if (tr && e.validTime < cutoff) todo.push([file, t]);
          }
        }
      for (const [k, [file, t]] of todo.entries()) {
        const e = ledger.files[file].targets[t.name];
        const truthRel = truth.byTime.get(e.validTime!)!;
        try {
          const line = await verifyTarget(this.opts.dataDir, file, t, e, truthRel, id);
          lines.push(line);
          e.verified = { runId: id, at: line.at, truth: truthRel };
          record.verifications.push({
            file,
            target: t.name,
            status: 'verified',
            truth: truthRel,
            crps: {
              raw10: line.raw10.crps,
              raw5: line.raw5.crps,
              postprocessed: line.postprocessed.crps,
              skill: line.crpsSkillVsRaw10,
            },
          });
        } catch (err) {
          record.verifications.push({
            file,
            target: t.name,
            status: 'failed',
            truth: truthRel,
            error: errorOf(err),
          });
        }
        await onProgress?.((k + 1) / todo.length, 'verifying');
      }
      this.store.appendScores(lines);
      if (record.sites) {
        const noResult = {
          ok: false as const,
          error: { code: 'NO_RESULT', message: 'the job reported no result (lost or still running)' },
        };
        await finaliseSites(
          this.opts.dataDir,
          id,
          record.sites,
          ledger,
          (jobId) => {
            const o = byId.get(jobId);
            return o ? (o.ok ? { ok: true, output: o.output } : o) : noResult;
          },
          cutoff,
          this.opts.bundledModels,
        );
      }
      this.store.saveLedger(ledger);
      record.status = 'completed';
    } catch (err) {
      record.status = 'failed';
      record.error = errorOf(err);
    } finally {
      record.finishedAt = new Date().toISOString();
      record.durationMs = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
      this.store.saveRun(record);
      this.store.unlock(id);
    }
    return record;
  }

  /**
   * For every failed job of run `id` that is still its (file, target)'s job in the ledger, the job with the
   * next method of the target's chain (mixed → emos → raw); the run record and the ledger point at the new
   * jobs. Nothing when no failed job has a method left.
   */
  planFallbacks(id: string, outcomes: JobOutcome[]): PlannedJob[] {
    const record = this.store.getRun(id);
    if (!record) throw new InvalidArgumentError(`no batch run ${id}`);
    const ledger = this.store.loadLedger();
    const failed = new Set(
      outcomes.filter((o) => !o.ok && !UNREADABLE_INPUT.has(o.error.code)).map((o) => o.id),
    );
    const jobs: PlannedJob[] = [];
    for (const j of [...record.jobs]) {
      if (!failed.has(j.id) || j.fallbackTo) continue;
      const file = ledger.files[j.file];
      const entry = file?.targets[j.target];
      const target = this.targets.find((t) => t.name === j.target);
      const choice = record.methods[j.target];
      if (!entry || entry.jobId !== j.id || !target || !choice) continue;
      const next = planFallback(j.file, file.stamp, target, choice, j.method, entry.attempts);
      if (!next) continue;
      const o = outcomes.find((x) => x.id === j.id);
      j.status = 'failed';
      if (o && !o.ok) j.error = o.error;
      j.fallbackTo = next.payload.id;
      const method = next.payload.request.method;
      const model = method === 'raw' ? undefined : next.payload.request.model;
      file.targets[j.target] = {
        ...entry,
        status: 'pending',
        jobId: next.payload.id,
        method,
        ...(model ? { model } : {}),
      };
      if (!model) delete file.targets[j.target].model;
      record.jobs.push({ id: next.payload.id, file: j.file, target: j.target, method, status: 'pending' });
      jobs.push(next);
    }
    if (jobs.length) {
      this.store.saveLedger(ledger);
      this.store.saveRun(record);
    }
    return jobs;
  }

  /**
   * prepare → executor (then the fallback jobs of failed files, at most two more rounds) → finalise, with
   * progress 0–5 % planning, 5–85 % jobs, 85–100 % verification.
   */
  async run(executor: BatchExecutor, o: PrepareOptions & { onProgress?: ProgressFn } = {}) {
    const p = o.onProgress;
    await p?.(0, 'scanning');
    const { record, jobs } = await this.prepare(o);
    await p?.(0.05, 'post-processing');
    const execute = async (batch: BatchQueueJob[]): Promise<JobOutcome[]> => {
      try {
        return batch.length
          ? await executor(batch, (done, total) => p?.(0.05 + (0.8 * done) / total, 'post-processing'))
          : [];
      } catch (err) {
        const e = errorOf(err);
        return batch.map((j) => ({ id: j.payload.id, ok: false, error: e }));
      }
    };
    const outcomes: JobOutcome[] = await execute(jobs);
    let round = outcomes;
    for (let k = 0; k < 2 && round.some((x) => !x.ok); k++) {
      let next: PlannedJob[];
      try {
        next = this.planFallbacks(record.id, round);
      } catch {
        break; // finalise records what there is
      }
      if (!next.length) break;
      await p?.(0.05, 'post-processing (fallbacks)');
      round = await execute(next);
      outcomes.push(...round);
    }
    await p?.(0.85, 'verifying');
    const done = await this.finalise(record.id, outcomes, (f) => p?.(0.85 + 0.15 * f, 'verifying'));
    await p?.(1, 'done');
    return done;
  }
}

/**
 * Executes jobs one after another in this process (the `epp batch run` path without a queue): gridded jobs
 * with `runOne`, site predictions with `runSite` (without it they fail, naming the reason).
 */
export function sequentialExecutor(
  runOne: (payload: ForecastJobPayload) => Promise<ForecastJobResult>,
  runSite?: (payload: SitePredictJobPayload) => Promise<SitePredictJobResult>,
): BatchExecutor {
  return async (jobs, onJobDone) => {
    const out: JobOutcome[] = [];
    for (const j of jobs) {
      try {
        const p = j.payload;
        if (!('kind' in p)) out.push(outcomeOf(p.id, await runOne(p)));
        else if (!runSite) throw new InvalidArgumentError('this executor runs no site predictions');
        else out.push(outcomeOf(p.id, await runSite(p)));
      } catch (err) {
        out.push({ id: j.payload.id, ok: false, error: errorOf(err) });
      }
      await onJobDone(out.length, jobs.length);
    }
    return out;
  };
}
