/**
 * Everything the batch keeps on disk under `<dataDir>/batch/`: the ledger (`ledger.json`), the score
 * history (`scores.jsonl`, one line per verified forecast), the run records (`runs/<id>.json`) and a lock
 * file so two batches never plan the same files. Writes go to a temporary file renamed into place.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { DataError, EppError, InvalidArgumentError } from '../../contracts/errors.js';
import type { BatchRunRecord, Ledger, ScoreHistoryLine } from './types.js';

/** Another batch holds the lock (transient: the next run tries again). */
export class BatchBusyError extends EppError {
  constructor(message: string) {
    super('BATCH_BUSY', message, { permanent: false });
  }
}

const RUN_ID = /^[A-Za-z0-9_.-]{1,96}$/;
/** A lock older than this belongs to a crashed batch and is taken over. */
const STALE_LOCK_MS = 6 * 3600 * 1000;

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new DataError(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export class BatchStore {
  readonly dir: string;

  constructor(readonly dataDir: string) {
    this.dir = path.join(dataDir, 'batch');
  }

  get ledgerPath(): string {
    return path.join(this.dir, 'ledger.json');
  }

  get scoresPath(): string {
    return path.join(this.dir, 'scores.jsonl');
  }

  runPath(id: string): string {
    if (!RUN_ID.test(id)) throw new InvalidArgumentError(`batch id ${JSON.stringify(id)} is not valid`);
    return path.join(this.dir, 'runs', `${id}.json`);
  }

  loadLedger(): Ledger {
    if (!existsSync(this.ledgerPath)) return { version: 1, files: {}, truth: {} };
    const l = readJson<Ledger>(this.ledgerPath);
    if (l.version !== 1 || typeof l.files !== 'object')
      throw new DataError(`${this.ledgerPath}: not a version-1 batch ledger`);
    l.truth ??= {};
    return l;
  }

  saveLedger(l: Ledger): void {
    writeAtomic(this.ledgerPath, JSON.stringify(l, null, 1) + '\n');
  }

  appendScores(lines: ScoreHistoryLine[]): void {
    if (!lines.length) return;
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.scoresPath, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  readScores(): ScoreHistoryLine[] {
    if (!existsSync(this.scoresPath)) return [];
    return readFileSync(this.scoresPath, 'utf8')
      .split('\n')
      .filter((s) => s.trim())
      .map((s) => JSON.parse(s) as ScoreHistoryLine);
  }

  saveRun(r: BatchRunRecord): void {
    writeAtomic(this.runPath(r.id), JSON.stringify(r, null, 2) + '\n');
  }

  getRun(id: string): BatchRunRecord | null {
    const p = this.runPath(id);
    return existsSync(p) ? readJson<BatchRunRecord>(p) : null;
  }

  /** Run records, newest first. */
  listRuns(limit = 50): BatchRunRecord[] {
    const dir = path.join(this.dir, 'runs');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<BatchRunRecord>(path.join(dir, f)))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, limit);
  }

  /** Take the batch lock for `runId`; a live lock of another run → BatchBusyError. */
  lock(runId: string): void {
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, 'lock');
    const body = JSON.stringify({ runId, pid: process.pid, at: Date.now() });
    try {
      writeFileSync(file, body, { flag: 'wx' });
      return;
    } catch {
      // held: see by whom and since when
    }
    let held: { runId?: string; at?: number } = {};
    try {
      held = JSON.parse(readFileSync(file, 'utf8')) as typeof held;
    } catch {
      // unreadable lock: treat as stale
    }
    if (held.runId === runId) return;
    if (held.at && Date.now() - held.at < STALE_LOCK_MS)
      throw new BatchBusyError(
        `batch ${held.runId ?? '?'} is still running (since ${new Date(held.at).toISOString()}); try again later`,
      );
    writeAtomic(file, body);
  }

  unlock(runId: string): void {
    const file = path.join(this.dir, 'lock');
    try {
      const held = JSON.parse(readFileSync(file, 'utf8')) as { runId?: string };
      if (held.runId === runId) rmSync(file, { force: true });
    } catch {
      // no lock, nothing to release
    }
  }
}
