/**
 * What the API needs from a queue, implemented twice with the same contracts: BullMQ on Redis
 * (`BullJobQueues`) and the embedded in-process queue (`EmbeddedJobQueues`).
 */
import type { JobState, JobView, QueueName } from '../../../libs/contracts/jobs.js';
import { relativeToRoot } from '../../../libs/service/data-root.js';

/** A job view as clients see it: its error names files relative to the data root. */
export function publicView(view: JobView, dataDir: string): JobView {
  if (!view.error) return view;
  return { ...view, error: { ...view.error, message: relativeToRoot(view.error.message, dataDir) } };
}

export interface WorkerInfo {
  id: string;
  host?: string;
  pid?: number;
  lastSeen: string;
  queues: string[];
  concurrency: number;
  tfBackend: string;
}

export interface QueueHealth {
  mode: 'redis' | 'embedded';
  redis: 'up' | 'down' | 'not used';
  workers: WorkerInfo[];
}

export type QueueCounts = Record<QueueName, Record<JobState | 'delayed', number>>;

export interface JobFilter {
  state?: JobState;
  queue?: QueueName;
  offset: number;
  limit: number;
}

export interface JobPage {
  jobs: JobView[];
  /** Jobs matching the filter (before paging). */
  total: number;
}

export abstract class JobQueues {
  private readonly submittedListeners: ((queue: QueueName) => void)[] = [];
  /** Called once per newly created job (for metrics). */
  onSubmitted(cb: (queue: QueueName) => void): void {
    this.submittedListeners.push(cb);
  }
  protected emitSubmitted(queue: QueueName): void {
    for (const cb of this.submittedListeners) cb(queue);
  }

  abstract readonly mode: 'redis' | 'embedded';
  /** Enqueue under a deterministic id; an existing id returns the existing job (`created: false`). */
  abstract submit(queue: QueueName, id: string, data: unknown): Promise<{ view: JobView; created: boolean }>;
  abstract get(id: string): Promise<JobView | null>;
  /** Jobs matching the filter, newest first. */
  abstract list(filter: JobFilter): Promise<JobPage>;
  /**
   * Cancel a queued or running job (it stops, its partial outputs are removed, its record stays as
   * `cancelled`) or delete a finished one with its outputs.
   */
  abstract remove(id: string): Promise<'cancelled' | 'deleted'>;
  abstract counts(): Promise<QueueCounts>;
  abstract health(): Promise<QueueHealth>;
  /** Called once per finished job (for metrics). */
  abstract onFinished(cb: (view: JobView) => void): void;
  abstract close(): Promise<void>;
}
