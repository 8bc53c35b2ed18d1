/**
 * The phase breakdown of data-parallel steps (pool started with `profile: true`), in CPU time so that it means
 * the same on a loaded machine as on an idle one.
 *
 * - Per phase (inputs, frozen, forwardBackward, gradRead, penalty, reduce (+ Adam on the thread's chunk), adam
 *   (variables set from the new weights), bnShare, rest): CPU ms per step of each
 *   thread, and its wall, run-queue wait (runnable, no CPU free) and barrier sleep (waiting for the other thread).
 * - Critical path: a step is a sequence of stretches between barriers (batch-norm all-reduces, gradient
 *   reduction); on an idle machine each stretch lasts as long as its slowest thread's CPU time, so
 *   Σ_stretches max_threads CPU + the calling thread's CPU (posting the shards, collecting the losses) is the
 *   step's idle time, up to the wake-up latency of the barriers.
 * - Amdahl (Amdahl 1967; speed-up S = 1/(s + (1 − s)/N)): with W₁ the single-thread step's CPU time and the
 *   critical path C_N, the predicted speed-up is S = W₁ / C_N, and s = (N/S − 1)/(N − 1) is the serial fraction
 *   that speed-up implies (work done on one thread while the others wait, or done again by every thread).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { MainProfile, RequestProfile } from '../../libs/model/parallel/pool.js';
import { median } from '../report.js';

/** CPU ms so far of each of this process's threads (Linux /proc/self/task/<tid>/schedstat; empty elsewhere). */
export function taskCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      out.set(Number(t), Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * CPU ms between two taskCpu() readings of every thread except `exclude` (the calling and tensor threads): V8's
 * helper threads (garbage collection, optimising compilation) and libuv's. They share the cores with the tensor
 * threads, so on N cores with N tensor threads their work is time the tensor threads lose.
 */
export function helperCpuMs(
  before: Map<number, number>,
  after: Map<number, number>,
  exclude: number[],
): number {
  let ms = 0;
  for (const [tid, cpu] of after) if (!exclude.includes(tid)) ms += cpu - (before.get(tid) ?? 0);
  return ms;
}

export interface PhaseRow {
  phase: string;
  /** Median over steps of each thread's CPU ms. */
  cpuMs: number[];
  wallMs: number[];
  runqMs: number[];
  waitMs: number[];
}

export interface StepBreakdown {
  threads: number;
  steps: number;
  phases: PhaseRow[];
  /** Median per-step CPU ms of each thread (all phases) and of the calling thread. */
  threadCpuMs: number[];
  mainCpuMs: number;
  /** Median per-step Σ_stretches max_threads CPU + calling thread's CPU (ms). */
  criticalPathMs: number;
  /** Barriers per step. */
  barriers: number;
  /** Median wall ms from the call to the last thread's start (posting + deserialising the shards). */
  dispatchMs: number;
  /** Kernel task ids of the tensor threads. */
  tids: number[];
}

const PHASES = [
  'inputs',
  'frozen',
  'forwardBackward',
  'gradRead',
  'penalty',
  'reduce',
  'adam',
  'bnShare',
  'rest',
];

/** Breakdown of the `step` requests in `threads` (each thread's records in order) and the calling thread's. */
export function stepBreakdown(threads: RequestProfile[][], main: MainProfile[]): StepBreakdown {
  const steps = threads.map((t) => t.filter((p) => p.type === 'step'));
  const mainSteps = main.filter((p) => p.type === 'step');
  const n = Math.min(...steps.map((s) => s.length), mainSteps.length);
  const phases: PhaseRow[] = [];
  for (const phase of PHASES) {
    if (!steps.some((s) => s.some((p) => p.phases[phase]))) continue;
    const of = (k: 'cpuMs' | 'wallMs' | 'runqMs' | 'waitMs') =>
      steps.map((s) => median(s.slice(0, n).map((p) => p.phases[phase]?.[k] ?? 0)));
    phases.push({
      phase,
      cpuMs: of('cpuMs'),
      wallMs: of('wallMs'),
      runqMs: of('runqMs'),
      waitMs: of('waitMs'),
    });
  }
  const critical: number[] = [];
  const dispatch: number[] = [];
  for (let i = 0; i < n; i++) {
    const segs = steps.map((s) => s[i].segments);
    const k = Math.max(...segs.map((g) => g.length));
    let c = 0;
    for (let j = 0; j < k; j++) c += Math.max(...segs.map((g) => g[j] ?? 0));
    critical.push(c + mainSteps[i].cpuMs);
    dispatch.push(Math.max(...steps.map((s) => s[i].startMs)) - mainSteps[i].startMs);
  }
  return {
    threads: threads.length,
    steps: n,
    phases,
    threadCpuMs: steps.map((s) =>
      median(s.slice(0, n).map((p) => Object.values(p.phases).reduce((a, q) => a + q.cpuMs, 0))),
    ),
    mainCpuMs: median(mainSteps.slice(0, n).map((p) => p.cpuMs)),
    criticalPathMs: median(critical),
    barriers: median(steps[0].slice(0, n).map((p) => p.segments.length - 1)),
    dispatchMs: median(dispatch),
    tids: steps.map((s) => s[0]?.tid ?? -1),
  };
}

/** Amdahl's serial fraction implied by speed-up S on N threads (0: perfectly parallel, 1: serial). */
export function serialFraction(speedup: number, n: number): number {
  return n <= 1 ? 0 : (n / speedup - 1) / (n - 1);
}

/**
 * The step time an idle machine with `cores` cores would show, from CPU times alone: the critical path, or, when
 * the helpers' work does not fit beside it, all the CPU spread evenly over the cores (whichever is longer).
 */
export function idleStepMs(criticalPathMs: number, totalCpuMs: number, cores: number): number {
  return Math.max(criticalPathMs, totalCpuMs / cores);
}
