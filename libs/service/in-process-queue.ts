/**
 * The embedded queue: what BullMQ does for one machine, in one process, with the same contracts —
 * deterministic ids (adding an existing id returns the existing job), states queued → active →
 * completed | failed, progress 0–1, bounded concurrency, retries with exponential backoff for transient
 * faults (permanent EppErrors fail at once), retention of finished jobs, and events. With a record
 * store the job records survive restarts (jobs queued or running at a stop run again at the next start);
 * a job can be cancelled (queued: dropped; running: its signal aborts it) or a finished one deleted.
 */
import { EventEmitter } from 'node:events';
import { EppError } from '../contracts/errors.js';
import {
  decodeJobError,
  encodeJobError,
  type JobState,
  type JobView,
  type ProgressFn,
  type QueueName,
} from '../contracts/jobs.js';
import type { JobRecordStore, StoredJob } from './job-store.js';

export type JobRunner = (
  queue: QueueName,
  data: unknown,
  ctx: { onProgress: ProgressFn; signal: AbortSignal; id: string },
) => Promise<unknown>;

export interface InProcessQueueOptions {
  name: QueueName;
  run: JobRunner;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  retentionMs: number;
  /** Durable records (embedded mode: files under the data root); none → in memory only. */
  store?: JobRecordStore;
  /** Remove what a job wrote (partial or finished outputs), after a cancel or a delete. */
  discard?: (id: string, data: unknown) => void;
}

interface Record_ extends StoredJob {
  /** Aborts this job's run when it is cancelled. */
  abort?: AbortController;
  retryTimer?: NodeJS.Timeout;
}

const FINISHED: readonly JobState[] = ['completed', 'failed', 'cancelled'];

export class InProcessQueue extends EventEmitter {
  private readonly jobs = new Map<string, Record_>();
  private readonly waiting: string[] = [];
  private active = 0;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private idle: (() => void)[] = [];

  constructor(private readonly opts: InProcessQueueOptions) {
    super();
    for (const stored of opts.store?.load(opts.name) ?? []) {
      const rec: Record_ = { ...stored };
      this.jobs.set(rec.id, rec);
      if (!FINISHED.includes(rec.state)) {
        // Queued or running when the service stopped: it runs again (as BullMQ retries a stalled job).
        rec.state = 'queued';
        rec.progress = 0;
        this.waiting.push(rec.id);
      }
    }
    if (this.waiting.length) setImmediate(() => this.pump());
  }

  private persist(rec: Record_): void {
    if (!this.opts.store) return;
    const { abort: _a, retryTimer: _t, ...stored } = rec;
    this.opts.store.save(this.opts.name, stored);
  }

  get name(): QueueName {
    return this.opts.name;
  }

  /** Enqueue under a deterministic id; an id already present returns that job (`created: false`). */
  add(id: string, data: unknown): { view: JobView; created: boolean } {
    this.prune();
    const existing = this.jobs.get(id);
    if (existing) return { view: this.view(existing), created: false };
    const rec: Record_ = {
      id,
      data,
      state: 'queued',
      progress: 0,
      attempts: 0,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      failedReason: null,
      result: null,
    };
    this.jobs.set(id, rec);
    this.persist(rec);
    this.waiting.push(id);
    setImmediate(() => this.pump());
    return { view: this.view(rec), created: true };
  }

  get(id: string): JobView | null {
    this.prune();
    const rec = this.jobs.get(id);
    return rec ? this.view(rec) : null;
  }

  /** Every retained job, newest first. */
  list(): JobView[] {
    this.prune();
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt).map((r) => this.view(r));
  }

  counts(): Record<JobState, number> {
    const c: Record<JobState, number> = { queued: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of this.jobs.values()) c[r.state]++;
    return c;
  }

  /**
   * Cancel a queued or running job (a running one's signal is aborted; the runner stops, then its
   * outputs are discarded and the record says `cancelled`), or delete a finished job and its outputs.
   * Resolves once the job has stopped; null for an unknown id.
   */
  async remove(id: string): Promise<'cancelled' | 'deleted' | null> {
    const rec = this.jobs.get(id);
    if (!rec) return null;
    if (FINISHED.includes(rec.state)) {
      this.jobs.delete(id);
      this.opts.store?.delete(this.opts.name, id);
      this.opts.discard?.(id, rec.data);
      return 'deleted';
    }
    if (rec.state === 'queued') {
      const i = this.waiting.indexOf(id);
      if (i >= 0) this.waiting.splice(i, 1);
      if (rec.retryTimer) {
        clearTimeout(rec.retryTimer);
        this.timers.delete(rec.retryTimer);
      }
      this.finishCancelled(rec);
      return 'cancelled';
    }
    const stopped = new Promise<void>((resolve) => {
      const on = (jid: string) => {
        if (jid !== id) return;
        this.off('cancelled', on);
        resolve();
      };
      this.on('cancelled', on);
    });
    rec.abort?.abort(new Error(`job ${id} cancelled`));
    await stopped;
    return 'cancelled';
  }

  private finishCancelled(rec: Record_): void {
    rec.state = 'cancelled';
    rec.finishedAt = Date.now();
    rec.failedReason = null;
    rec.result = null;
    this.opts.discard?.(rec.id, rec.data);
    this.persist(rec);
    this.emit('cancelled', rec.id);
  }

  /** Stop taking jobs, abort running ones' signals after `graceMs`, and wait for them to settle. */
  async close(graceMs = 10000): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.active === 0) return;
    const t = setTimeout(() => this.abort.abort(new Error('queue closing')), graceMs);
    await new Promise<void>((resolve) => this.idle.push(resolve));
    clearTimeout(t);
  }

  private pump(): void {
    while (!this.closed && this.active < this.opts.concurrency && this.waiting.length) {
      const id = this.waiting.shift()!;
      const rec = this.jobs.get(id);
      if (rec) void this.execute(rec);
    }
  }

  private async execute(rec: Record_): Promise<void> {
    this.active++;
    rec.state = 'active';
    rec.attempts++;
    rec.startedAt ??= Date.now();
    const abort = (rec.abort = new AbortController());
    const onClose = () => abort.abort(this.abort.signal.reason);
    this.abort.signal.addEventListener('abort', onClose);
    this.persist(rec);
    this.emit('active', rec.id);
    const onProgress: ProgressFn = (fraction) => {
      rec.progress = Math.max(0, Math.min(1, fraction));
      this.emit('progress', rec.id, rec.progress);
    };
    const cancelled = () => abort.signal.aborted && !this.abort.signal.aborted;
    try {
      const result = await this.opts.run(this.opts.name, rec.data, {
        onProgress,
        signal: abort.signal,
        id: rec.id,
      });
      if (cancelled()) {
        this.finishCancelled(rec);
        return;
      }
      rec.result = result;
      rec.state = 'completed';
      rec.progress = 1;
      rec.finishedAt = Date.now();
      this.persist(rec);
      this.emit('completed', rec.id);
    } catch (err) {
      if (cancelled()) {
        this.finishCancelled(rec);
        return;
      }
      if (this.abort.signal.aborted) {
        // Stopped by close(): the record stays queued, so the next start runs it again.
        rec.state = 'queued';
        this.persist(rec);
        return;
      }
      const permanent = err instanceof EppError ? err.permanent : false;
      rec.failedReason =
        err instanceof EppError
          ? encodeJobError(err.code, err.message)
          : encodeJobError('INTERNAL', err instanceof Error ? err.message : String(err));
      if (!permanent && rec.attempts < this.opts.attempts && !this.closed) {
        // Transient fault: back off exponentially (delay · 2^(attempt−1)), like BullMQ's 'exponential'.
        rec.state = 'queued';
        this.persist(rec);
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            rec.retryTimer = undefined;
            this.waiting.push(rec.id);
            this.pump();
          },
          this.opts.backoffMs * 2 ** (rec.attempts - 1),
        );
        rec.retryTimer = t;
        this.timers.add(t);
      } else {
        rec.state = 'failed';
        rec.finishedAt = Date.now();
        this.persist(rec);
        this.emit('failed', rec.id, rec.failedReason);
      }
    } finally {
      this.abort.signal.removeEventListener('abort', onClose);
      rec.abort = undefined;
      this.active--;
      if (this.active === 0) for (const f of this.idle.splice(0)) f();
      this.pump();
    }
  }

  /** Forget finished jobs older than the retention (BullMQ's removeOnComplete/removeOnFail `age`). */
  private prune(): void {
    const cutoff = Date.now() - this.opts.retentionMs;
    for (const [id, r] of this.jobs)
      if (FINISHED.includes(r.state) && r.finishedAt !== null && r.finishedAt < cutoff) {
        this.jobs.delete(id);
        this.opts.store?.delete(this.opts.name, id);
      }
  }

  private view(r: Record_): JobView {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      id: r.id,
      type: this.opts.name,
      state: r.state,
      progress: r.progress,
      attempts: r.attempts,
      createdAt: new Date(r.createdAt).toISOString(),
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
      error: r.state === 'failed' ? decodeJobError(r.failedReason) : null,
      result: r.state === 'completed' ? r.result : null,
    };
  }
}
