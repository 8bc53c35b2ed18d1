/**
 * Untrusted files are opened in a child process, never on the caller's event loop: a reader that loops
 * (h5wasm on a corrupt object header), allocates without bound (a name length of 0x7fffffff, a zlib bomb)
 * or crashes takes down only its child. Each check has a wall-time limit and a memory cap (V8 heap via
 * `--max-old-space-size`, and the child's resident set polled from /proc, which also covers wasm memory and
 * Buffers); a child over either is SIGKILLed and the file is refused with a typed, one-line error.
 * Children are reused between checks (a fresh one after a kill), exit when idle, and exit on their own when
 * the parent dies (the IPC channel closes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EppError, InvalidArgumentError, InvalidNetcdfError } from '../contracts/errors.js';
import type { SiteFitRequest, SitePredictRequest } from '../contracts/sites.js';
import { canonicalJson, type ForecastRequest } from '../contracts/jobs.js';
import { resolveInRoot } from './data-root.js';
import { resolveModelDir } from './job-paths.js';
import { QUARANTINE_DIR } from './quarantine.js';

/** What a child can be asked to do (file-guard-child.ts). Paths are relative to `dataDir`. */
export type GuardTask =
  | { kind: 'preflight'; dataDir: string; request: ForecastRequest }
  | { kind: 'resolve'; dataDir: string; request: ForecastRequest }
  | { kind: 'describe'; dataDir: string; path: string }
  // Site jobs (issue 12, libs/pipeline/sites/preflight.ts): the request against its files, or one upload.
  | { kind: 'site-fit'; dataDir: string; request: SiteFitRequest }
  | { kind: 'site-predict'; dataDir: string; request: SitePredictRequest }
  | {
      kind: 'site-file';
      dataDir: string;
      path: string;
      role: 'forecast' | 'observations';
      variable: string;
    };

export interface FileGuardOptions {
  /** Wall-time limit of one check, ms. */
  timeoutMs: number;
  /** Memory cap of a child (resident set and V8 heap), MiB. */
  memoryMb: number;
  /** Checks that may run at once (one child each). */
  slots?: number;
  /** A child idle this long exits, ms. */
  idleMs?: number;
  /** The child's entry script (default: the compiled file-guard-child.js). */
  childScript?: string;
  /** How often the child's resident set is read, ms. */
  pollMs?: number;
}

interface ChildReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { code?: string; message: string; permanent?: boolean };
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The compiled child entry; from the TypeScript sources (tests), the one the build wrote under dist/. */
export function defaultChildScript(): string {
  const sibling = path.join(here, 'file-guard-child.js');
  if (existsSync(sibling)) return sibling;
  return path.resolve(here, '../../dist/libs/service/file-guard-child.js');
}

/** Resident set of a process in bytes (Linux /proc), or null where /proc is not available. */
function residentBytes(pid: number): number | null {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return Number.isFinite(pages) ? pages * 4096 : null;
  } catch {
    return null;
  }
}

export function describeTask(task: GuardTask): string {
  if (task.kind === 'preflight' || task.kind === 'resolve') return task.request.source.path;
  if (task.kind === 'site-fit') return `${task.request.forecast} / ${task.request.observations}`;
  if (task.kind === 'site-predict') return task.request.forecast;
  return task.path;
}

interface Pending {
  id: number;
  task: GuardTask;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class Slot {
  busy: Pending | null = null;
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  /** The child the current task was sent to. */
  private runningOn: ChildProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  private killedFor: 'timeout' | 'memory' | null = null;

  constructor(
    private readonly opts: Required<FileGuardOptions>,
    private readonly onFree: () => void,
  ) {}

  private spawn(): Promise<void> {
    const heapMb = Math.max(64, Math.floor(this.opts.memoryMb * 0.75));
    const child = fork(this.opts.childScript, [], {
      execArgv: [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=16'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    // Drained always (readers print diagnostics there); the first few KB explain a failed start.
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) =>
        reject(new Error(`the file-check process exited at start-up (${code ?? signal}): ${stderr.trim()}`)),
      );
      child.once('error', reject);
    });
    child.on('message', (m: ChildReply) => this.reply(child, m));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
    child.on('error', () => undefined);
    // Neither the child nor its channel keeps the parent alive.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return ready;
  }

  async run(p: Pending): Promise<void> {
    this.busy = p;
    this.killedFor = null;
    if (this.idle) clearTimeout(this.idle);
    let child: ChildProcess;
    try {
      if (!this.child || !this.ready) this.ready = this.spawn();
      await this.ready;
      child = this.child!;
    } catch (err) {
      this.retire();
      this.busy = null;
      p.reject(err);
      this.onFree();
      return;
    }
    this.runningOn = child;
    this.timer = setTimeout(() => this.kill('timeout'), this.opts.timeoutMs);
    this.poll = setInterval(() => {
      const rss = child.pid ? residentBytes(child.pid) : null;
      if (rss !== null && rss > this.opts.memoryMb * 1024 * 1024) this.kill('memory');
    }, this.opts.pollMs);
    child.send({ id: p.id, task: p.task });
  }

  private kill(reason: 'timeout' | 'memory'): void {
    this.killedFor = reason;
    this.runningOn?.kill('SIGKILL');
  }

  /** Forget the current child (it is being killed or has died): the next task starts a fresh one. */
  private retire(): ChildProcess | null {
    const c = this.child;
    this.child = null;
    this.ready = null;
    return c;
  }

  private reply(child: ChildProcess, m: ChildReply): void {
    const p = this.busy;
    if (!p || child !== this.runningOn || typeof m !== 'object' || m.id !== p.id) return;
    this.stopTimers();
    // A child that has grown large is replaced rather than kept.
    const rss = child.pid ? residentBytes(child.pid) : null;
    if (rss !== null && rss > (this.opts.memoryMb * 1024 * 1024) / 2) this.retire()?.kill('SIGKILL');
    else this.armIdle();
    if (m.ok) p.resolve(m.value);
    else {
      const e = m.error ?? { message: 'unknown error' };
      p.reject(new EppError(e.code ?? 'INVALID_NETCDF', e.message, { permanent: e.permanent ?? true }));
    }
    this.onFree();
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.retire();
    const p = this.busy;
    if (!p || child !== this.runningOn) return;
    this.stopTimers();
    const what = describeTask(p.task);
    const limitS = Math.round(this.opts.timeoutMs / 100) / 10;
    if (this.killedFor === 'timeout')
      p.reject(
        new InvalidNetcdfError(
          `${what}: reading it did not finish within ${limitS} s (a corrupt or hostile file); it was refused`,
        ),
      );
    else if (this.killedFor === 'memory' || signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134)
      p.reject(
        new InvalidNetcdfError(
          `${what}: reading it needed more than ${this.opts.memoryMb} MiB (a corrupt or hostile file); it was refused`,
        ),
      );
    else
      p.reject(
        new InvalidNetcdfError(
          `${what}: the reader crashed on it (exit ${code ?? signal}); the file is corrupt and was refused`,
        ),
      );
    this.onFree();
  }

  private stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    this.timer = this.poll = null;
    this.busy = null;
    this.runningOn = null;
  }

  private armIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (!this.busy) this.retire()?.kill('SIGTERM');
    }, this.opts.idleMs);
    this.idle.unref();
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.runningOn?.kill('SIGKILL');
    this.retire()?.kill('SIGKILL');
  }
}

/**
 * Identity of a file's content as the file system reports it: device, inode, size, modification and
 * status-change times in ns. Writing the file changes its mtime and ctime (ctime cannot be set back by
 * `utimes`), replacing it by a rename changes the inode; `null` when it cannot be read.
 */
export function fileIdentity(file: string): string | null {
  try {
    const st = statSync(file, { bigint: true });
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : null;
  } catch {
    return null;
  }
}

/**
 * Successful checks remembered by the identities of the files they read (least recently used dropped
 * first, `size` entries): a hit needs every file to have the identity it had, before and after, when the
 * check passed. Failures are never remembered.
 */
class CheckMemo<T> {
  private readonly entries = new Map<string, { ids: string; value: T }>();
  constructor(private readonly size = 512) {}

  /** The identities of `files` now, or null when one cannot be read (then nothing is remembered). */
  static identities(files: string[]): string | null {
    const ids = files.map(fileIdentity);
    return ids.includes(null) ? null : ids.join('|');
  }

  get(key: string, ids: string): { value: T } | undefined {
    const e = this.entries.get(key);
    if (!e || e.ids !== ids) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, e);
    return { value: e.value };
  }

  /** Remember `value` if the files still have the identities `ids` read before the check. */
  set(key: string, files: string[], ids: string, value: T): void {
    if (CheckMemo.identities(files) !== ids) return;
    this.entries.set(key, { ids, value });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Forecast methods whose preflight reads neither `thresholds` nor `percentiles` (preflightForecast in
 * libs/pipeline/forecast/job.ts: the file, the field at every selected time, the model's manifest and the
 * analysis; only `emos` checks them, against its calibrated distribution, in checkModelAvailable). For these
 * the preflight memo's key leaves both out, so requests that differ only in their product levels share one
 * check; their own validity (finite, in range, present when probabilities are asked) is the request's,
 * checked by normaliseForecastRequest on every submission.
 */
const LEVELS_NOT_PREFLIGHTED: ReadonlySet<ForecastRequest['method']> = new Set(['raw', 'mixed']);

/**
 * The preflight memo's key and the files whose identities it needs, or null when the request is not
 * remembered (emos, an upload in quarantine, or a path the child is to refuse: it answers with the error).
 */
function preflightMemoKey(dataDir: string, req: ForecastRequest): { key: string; files: string[] } | null {
  if (!LEVELS_NOT_PREFLIGHTED.has(req.method) || req.source.path.startsWith(`${QUARANTINE_DIR}/`))
    return null;
  try {
    const files = [resolveInRoot(dataDir, req.source.path, { mustExist: true })];
    if (req.method === 'mixed') {
      files.push(path.join(resolveModelDir(dataDir, req.model), 'manifest.json'));
      if (req.analysis?.path) files.push(resolveInRoot(dataDir, req.analysis.path, { mustExist: true }));
    }
    const key = canonicalJson({ dataDir, request: { ...req, thresholds: [], percentiles: [] } });
    return { key, files };
  } catch {
    return null;
  }
}

export class FileGuard {
  private readonly opts: Required<FileGuardOptions>;
  /**
   * Answers for unchanged files, so a second submission on the same file needs no child round trip (the
   * IPC, a header parse and, for the preflight, decoding the requested field at every selected time:
   * 5–8 ms CPU of the child plus ~1 ms of the API per submission on the 2-core machine, session 9 — CPU
   * taken from the jobs on the same cores). `resolveVariable` by (file, requested name): the name a file's
   * metadata gives a variable does not change while the file does not. `preflight` (raw and mixed only,
   * not for uploads in quarantine) by the whole request bar its product levels, and the identities of the
   * source, the model's manifest and the analysis file. What was refused is checked again every time, and
   * the job reads and checks its files itself (a file that changes is a new identity, and a new job id).
   */
  private readonly resolved = new CheckMemo<string>();
  private readonly preflighted = new CheckMemo<true>();
  private readonly slots: Slot[];
  private readonly waiting: Pending[] = [];
  private next = 1;
  private closed = false;

  constructor(opts: FileGuardOptions) {
    if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 100)
      throw new InvalidArgumentError('file guard timeoutMs must be an integer ≥ 100');
    if (!Number.isInteger(opts.memoryMb) || opts.memoryMb < 64)
      throw new InvalidArgumentError('file guard memoryMb must be an integer ≥ 64');
    this.opts = {
      slots: 2,
      idleMs: 30000,
      pollMs: 25,
      childScript: defaultChildScript(),
      ...opts,
    };
    this.slots = Array.from({ length: this.opts.slots }, () => new Slot(this.opts, () => this.pump()));
  }

  /** Run one task in a child; rejects with a typed error (the child's, or a limit's). */
  run<T = unknown>(task: GuardTask): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the file guard is closed'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ id: this.next++, task, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Check a forecast request against its file (metadata, the requested field, the model) in a child. */
  async preflight(dataDir: string, request: ForecastRequest): Promise<void> {
    const memo = preflightMemoKey(dataDir, request);
    const ids = memo && CheckMemo.identities(memo.files);
    if (memo && ids && this.preflighted.get(memo.key, ids)) return;
    await this.run<void>({ kind: 'preflight', dataDir, request });
    if (memo && ids) this.preflighted.set(memo.key, memo.files, ids, true);
  }

  /**
   * The NetCDF name of the request's variable in its file (name, standard_name or alias; libs/ensemble/
   * variables.ts), read in a child: the API resolves it before computing the job id.
   */
  async resolveVariable(dataDir: string, request: ForecastRequest): Promise<string> {
    const task: GuardTask = { kind: 'resolve', dataDir, request };
    // Confined here as in the child (the same typed errors: outside the root, missing, not a file).
    const file = resolveInRoot(dataDir, request.source.path, { mustExist: true });
    const ids = CheckMemo.identities([file]);
    const key = `${file}\0${request.variable}`;
    const known = ids ? this.resolved.get(key, ids) : undefined;
    if (known) return known.value;
    const name = await this.run<string>(task);
    if (ids && typeof name === 'string') this.resolved.set(key, [file], ids, name);
    return name;
  }

  /** A site fit or prediction request checked against its files in a child (issue 12). */
  preflightSite(
    dataDir: string,
    task:
      { kind: 'site-fit'; request: SiteFitRequest } | { kind: 'site-predict'; request: SitePredictRequest },
  ): Promise<unknown> {
    return this.run({ ...task, dataDir });
  }

  /** An uploaded site file read as a forecast or observations of `variable`, in a child; its summary. */
  describeSiteFile(
    dataDir: string,
    rel: string,
    role: 'forecast' | 'observations',
    variable: string,
  ): Promise<Record<string, unknown>> {
    return this.run({ kind: 'site-file', dataDir, path: rel, role, variable });
  }

  /** The inspect metadata of one file (catalog.ts `describeDataset`), read in a child. */
  describe(dataDir: string, rel: string): Promise<Record<string, unknown>> {
    return this.run<Record<string, unknown>>({ kind: 'describe', dataDir, path: rel });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!this.waiting.length) return;
      if (slot.busy) continue;
      void slot.run(this.waiting.shift()!);
    }
  }

  close(): void {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error('the file guard is closed'));
    for (const s of this.slots) s.close();
  }
}
