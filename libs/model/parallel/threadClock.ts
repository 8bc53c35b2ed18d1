/**
 * Per-thread clocks for the tensor threads' phase profile (bench threads): on-CPU time and run-queue wait of
 * the calling thread, from Linux's /proc/thread-self/schedstat ("run time ns, run-queue wait ns, slices";
 * kernel Documentation/scheduler/sched-stats.rst). Under a loaded machine the wall time of a phase is its CPU
 * time + its run-queue wait + its sleep (a barrier wait), so the CPU time is what an idle machine would take.
 * Where schedstat is missing (not Linux) the process's CPU time stands in and `exact` is false.
 */
import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';

export interface ThreadTime {
  /** Wall clock, ms since the epoch (performance.timeOrigin + now(): comparable across threads). */
  wallMs: number;
  /** This thread's on-CPU time, ms. */
  cpuMs: number;
  /** Time this thread was runnable but waiting for a CPU, ms. */
  runqMs: number;
}

let fd: number | null | undefined;
const buf = Buffer.alloc(96);

function openSchedstat(): number | null {
  try {
    // Opened once per thread: the descriptor keeps naming the thread that opened it.
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
}

/** Whether threadTime() measures this thread alone (schedstat available). */
export function threadClockExact(): boolean {
  if (fd === undefined) fd = openSchedstat();
  return fd !== null;
}

/** The calling thread's clocks now. */
export function threadTime(): ThreadTime {
  const wallMs = performance.timeOrigin + performance.now();
  if (fd === undefined) fd = openSchedstat();
  if (fd !== null) {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [run, wait] = buf.toString('latin1', 0, n).split(' ');
    return { wallMs, cpuMs: Number(run) / 1e6, runqMs: Number(wait) / 1e6 };
  }
  const u = process.cpuUsage();
  return { wallMs, cpuMs: (u.user + u.system) / 1000, runqMs: 0 };
}

/** The calling thread's kernel task id (Linux; null elsewhere): names it in /proc/self/task. */
export function threadTaskId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return null;
  }
}

/** Close this thread's schedstat descriptor (tests). */
export function closeThreadClock(): void {
  if (typeof fd === 'number') closeSync(fd);
  fd = undefined;
}

/** One phase's totals: wall, CPU, run-queue wait and barrier sleep (ms), and how often it ran. */
export interface PhaseTotals {
  wallMs: number;
  cpuMs: number;
  runqMs: number;
  /** Sleep at the group's barriers inside this phase (waiting for the other threads). */
  waitMs: number;
  count: number;
}

export function emptyTotals(): PhaseTotals {
  return { wallMs: 0, cpuMs: 0, runqMs: 0, waitMs: 0, count: 0 };
}

export function addTotals(a: PhaseTotals, b: PhaseTotals): void {
  a.wallMs += b.wallMs;
  a.cpuMs += b.cpuMs;
  a.runqMs += b.runqMs;
  a.waitMs += b.waitMs;
  a.count += b.count;
}

/**
 * Accumulates phases of one thread: `mark(name)` closes the running phase under `name` and starts the next.
 * `waitMs` comes from the caller (the shard group counts its barrier sleep).
 */
export class PhaseClock {
  readonly phases: Record<string, PhaseTotals> = {};
  private last: ThreadTime;
  private lastWait: number;

  constructor(private readonly waited: () => number = () => 0) {
    this.last = threadTime();
    this.lastWait = waited();
  }

  mark(name: string): void {
    const now = threadTime();
    const w = this.waited();
    const p = (this.phases[name] ??= emptyTotals());
    p.wallMs += now.wallMs - this.last.wallMs;
    p.cpuMs += now.cpuMs - this.last.cpuMs;
    p.runqMs += now.runqMs - this.last.runqMs;
    p.waitMs += w - this.lastWait;
    p.count++;
    this.last = now;
    this.lastWait = w;
  }
}
