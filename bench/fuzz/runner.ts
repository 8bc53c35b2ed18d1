/**
 * A child process that runs fuzz cases one at a time (child.ts). Before each case the parent resets the
 * child's peak RSS (writing 5 to /proc/<pid>/clear_refs) and afterwards reads VmHWM, so each case has its own
 * peak; a watcher kills the child above the memory cap, a timer at the time limit; after a kill or a death,
 * and every `casesPerProcess` cases, the next case gets a fresh process. (A fresh process per case costs a
 * node start-up, ~1.8 s on this shared machine at load 30; the reader keeps no state between files.)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The compiled child (from dist/ also when this module runs from the TypeScript sources under jest). */
export const CHILD = here.includes(`${path.sep}dist${path.sep}`)
  ? path.join(here, 'child.js')
  : path.resolve(here, '../../dist/bench/fuzz/child.js');

export interface Verdict {
  ok: boolean;
  typed?: boolean;
  name?: string;
  message?: string;
  variables?: { name: string; dtype: string; fill?: string; n: number }[];
}

export interface ChildOutcome {
  verdict?: Verdict;
  ended: 'exit' | 'hang' | 'memory';
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  peakRssMiB: number;
  ms: number;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export class CaseRunner {
  private child?: ChildProcessWithoutNullStreams;
  private used = 0;
  private buffer = '';
  private stderr = '';
  private waiting?: (line: string | null) => void;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(
    private readonly capMiB: number,
    private readonly casesPerProcess: number,
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    // The V8 heap limit sits above the RSS cap, so the watcher sees a blow-up first.
    const child = spawn(process.execPath, [`--max-old-space-size=${this.capMiB + 512}`, CHILD], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.buffer = '';
    this.stderr = '';
    this.exit = undefined;
    this.used = 0;
    // A replaced child's late output and exit belong to no case (its successor may already be running one).
    child.stdout.on('data', (d: Buffer) => {
      if (this.child !== child) return;
      this.buffer += d.toString();
      const nl = this.buffer.indexOf('\n');
      if (nl >= 0 && this.waiting) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString();
    });
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.exit = { code, signal };
      this.child = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(null);
    });
    child.stdin.on('error', () => undefined);
    return child;
  }

  run(format: string, file: string, valuesOut: string, timeoutMs: number): Promise<ChildOutcome> {
    if (this.child && this.used >= this.casesPerProcess) this.stop();
    const child = (this.child ??= this.start());
    this.used++;
    const pid = child.pid!;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not Linux: the peak is the process's since its start
    }
    return new Promise((resolve) => {
      const t0 = performance.now();
      let ended: ChildOutcome['ended'] = 'exit';
      let peak = 0;
      const watch = setInterval(() => {
        peak = Math.max(peak, procStatus(pid, 'VmRSS'));
        if (peak > this.capMiB) {
          ended = 'memory';
          child.kill('SIGKILL');
        }
      }, 20);
      // At the limit, output already in the pipe is read first (setImmediate runs after the poll phase): a
      // parent that was itself held up (a loaded machine) must not call a case that has answered a hang.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (this.waiting !== waiter) return;
            ended = 'hang';
            child.kill('SIGKILL');
          }),
        timeoutMs,
      );
      const waiter = (line: string | null) => {
        clearInterval(watch);
        clearTimeout(timer);
        const ms = performance.now() - t0;
        if (line !== null) peak = Math.max(peak, procStatus(pid, 'VmHWM'));
        let verdict: Verdict | undefined;
        try {
          verdict = line ? (JSON.parse(line) as Verdict) : undefined;
        } catch {
          verdict = undefined;
        }
        if (!verdict && this.child === child) this.stop(); // unparseable output: start afresh
        resolve({
          verdict,
          ended,
          code: this.exit?.code ?? null,
          signal: this.exit?.signal ?? null,
          stderr: this.stderr,
          peakRssMiB: peak,
          ms,
        });
      };
      this.waiting = waiter;
      child.stdin.write(JSON.stringify({ format, file, valuesOut }) + '\n');
    });
  }

  /** Kill the current child; a case it was running is then left to its own timer (none is, when called). */
  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
