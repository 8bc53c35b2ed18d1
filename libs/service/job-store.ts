/**
 * Durable job records of the embedded queue: one JSON file per job under `<dataDir>/jobs/<queue>/`,
 * written atomically (temporary file + rename, so a crash leaves the old record or the new one, never
 * half of one). Records are small (file references and parameters, never arrays), so the whole set is
 * read once at start-up and written through on every change of state.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobState, QueueName } from '../contracts/jobs.js';

export interface StoredJob {
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
}

export interface JobRecordStore {
  load(queue: QueueName): StoredJob[];
  save(queue: QueueName, job: StoredJob): void;
  delete(queue: QueueName, id: string): void;
}

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export class FileJobStore implements JobRecordStore {
  constructor(private readonly dir: string) {}

  private folder(queue: QueueName): string {
    return path.join(this.dir, queue);
  }

  private file(queue: QueueName, id: string): string {
    if (!ID.test(id) || id.includes('..')) throw new Error(`job id ${JSON.stringify(id)} cannot be stored`);
    return path.join(this.folder(queue), `${id.replace(/:/g, '_')}.json`);
  }

  load(queue: QueueName): StoredJob[] {
    let names: string[];
    try {
      names = readdirSync(this.folder(queue));
    } catch {
      return [];
    }
    const out: StoredJob[] = [];
    for (const name of names) {
      const file = path.join(this.folder(queue), name);
      if (!name.endsWith('.json')) {
        // A temporary file left by a crash mid-write: the record it was replacing is still whole.
        if (name.includes('.json.tmp-')) rmSync(file, { force: true });
        continue;
      }
      try {
        const rec = JSON.parse(readFileSync(file, 'utf8')) as StoredJob;
        if (rec && typeof rec.id === 'string' && typeof rec.state === 'string') out.push(rec);
      } catch {
        // An unreadable record is skipped, not fatal: the service still starts with every other job.
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  save(queue: QueueName, job: StoredJob): void {
    const file = this.file(queue, job.id);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(job));
    renameSync(tmp, file);
  }

  delete(queue: QueueName, id: string): void {
    rmSync(this.file(queue, id), { force: true });
  }
}
