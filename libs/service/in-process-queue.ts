/**
 * The embedded queue: what BullMQ does for one machine, in one process, with the same contracts —
 * deterministic ids (adding an existing id returns the existing job), states queued → active →
 * completed | failed, progress 0–1, bounded concurrency, retries with exponential backoff for transient
 * faults (permanent EppErrors fail at once), retention of finished jobs, and events.
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

export type JobRunner = (
  queue: QueueName,
  data: unknown,
  ctx: { onProgress: ProgressFn; signal: AbortSignal },
) => Promise<unknown>;

export interface InProcessQueueOptions {
  name: QueueName;
  run: JobRunner;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  retentionMs: number;
}

interface Record_ {
  id: string;
  data: unknown;
  state: JobState;
  progress: number;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  failedReason: string | null;
  result: unknown;
  delayedUntil: number;
}

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
      delayedUntil: 0,
    };
    this.jobs.set(id, rec);
    this.waiting.push(id);
    setImmediate(() => this.pump());
    return { view: this.view(rec), created: true };
  }

  get(id: string): JobView | null {
    this.prune();
    const rec = this.jobs.get(id);
    return rec ? this.view(rec) : null;
  }

  counts(): Record<JobState, number> {
    const c: Record<JobState, number> = { queued: 0, active: 0, completed: 0, failed: 0 };
    for (const r of this.jobs.values()) c[r.state]++;
    return c;
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
    this.emit('active', rec.id);
    const onProgress: ProgressFn = (fraction) => {
      rec.progress = Math.max(0, Math.min(1, fraction));
      this.emit('progress', rec.id, rec.progress);
    };
    try {
      rec.result = await this.opts.run(this.opts.name, rec.data, { onProgress, signal: this.abort.signal });
      rec.state = 'completed';
      rec.progress = 1;
      rec.finishedAt = Date.now();
      this.emit('completed', rec.id);
    } catch (err) {
      const permanent = err instanceof EppError ? err.permanent : false;
      rec.failedReason =
        err instanceof EppError
          ? encodeJobError(err.code, err.message)
          : encodeJobError('INTERNAL', err instanceof Error ? err.message : String(err));
      if (!permanent && rec.attempts < this.opts.attempts && !this.closed) {
        // Transient fault: back off exponentially (delay · 2^(attempt−1)), like BullMQ's 'exponential'.
        rec.state = 'queued';
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            this.waiting.push(rec.id);
            this.pump();
          },
          this.opts.backoffMs * 2 ** (rec.attempts - 1),
        );
        this.timers.add(t);
      } else {
        rec.state = 'failed';
        rec.finishedAt = Date.now();
        this.emit('failed', rec.id, rec.failedReason);
      }
    } finally {
      this.active--;
      if (this.active === 0) for (const f of this.idle.splice(0)) f();
      this.pump();
    }
  }

  /** Forget finished jobs older than the retention (BullMQ's removeOnComplete/removeOnFail `age`). */
  private prune(): void {
    const cutoff = Date.now() - this.opts.retentionMs;
    for (const [id, r] of this.jobs) if (r.finishedAt !== null && r.finishedAt < cutoff) this.jobs.delete(id);
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
