/**
 * Worker liveness for /health: each worker process refreshes a Redis key `<prefix>:epp:workers:<host>:<pid>`
 * that expires after three periods, so a killed worker disappears from /health on its own.
 */
import os from 'node:os';
import { Redis } from 'ioredis';

export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastSeen: string;
  queues: string[];
  concurrency: number;
  tfBackend: string;
  active: number;
}

export function heartbeatPattern(prefix: string): string {
  return `${prefix}:epp:workers:*`;
}

export class Heartbeat {
  private timer?: NodeJS.Timeout;
  private readonly key: string;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly periodMs: number,
    private readonly describe: () => Omit<WorkerBeat, 'id' | 'host' | 'pid' | 'startedAt' | 'lastSeen'>,
  ) {
    this.key = `${prefix}:epp:workers:${os.hostname()}:${process.pid}`;
  }

  start(): void {
    const beat = () => {
      const value: WorkerBeat = {
        id: `${os.hostname()}:${process.pid}`,
        host: os.hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        lastSeen: new Date().toISOString(),
        ...this.describe(),
      };
      // A missed beat (Redis restarting) is not fatal: the next one repairs it.
      this.redis.set(this.key, JSON.stringify(value), 'PX', this.periodMs * 3).catch(() => undefined);
    };
    beat();
    this.timer = setInterval(beat, this.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(this.key).catch(() => undefined);
  }
}
