/**
 * Uploads live in quarantine (`<dataDir>/tmp/uploads/`) until their pre-check passes; only then are they
 * moved to `inbox/uploads/`. A quarantined file is named after the process that receives it
 * (`<host tag>-<pid>-<random>.part`), so at start-up a process can delete what a dead process on the same
 * host left behind (killed mid-upload) without touching another live API's uploads on a shared data root.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Quarantine folder, relative to the data root. */
export const QUARANTINE_DIR = 'tmp/uploads';
/** A file of another host (or not ours at all) older than this is stale too. */
const STALE_MS = 24 * 3600 * 1000;
const NAME = /^([0-9a-f]{8})-(\d+)-[0-9a-f]{16}\.part$/;

const hostTag = (): string => createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** A fresh quarantine file name owned by this process. */
export function quarantineName(): string {
  return `${hostTag()}-${process.pid}-${randomBytes(8).toString('hex')}.part`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Delete stale quarantined files: this host's files whose process is gone (or is this one: a previous
 * process with the same pid), and anything older than a day. Returns the names removed.
 */
export function sweepQuarantine(dataDir: string, now = Date.now()): string[] {
  const dir = path.join(dataDir, QUARANTINE_DIR);
  mkdirSync(dir, { recursive: true });
  const tag = hostTag();
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const m = NAME.exec(name);
    let stale: boolean;
    if (m && m[1] === tag) {
      const pid = Number(m[2]);
      stale = pid === process.pid || !alive(pid);
    } else {
      try {
        stale = now - statSync(file).mtimeMs > STALE_MS;
      } catch {
        continue;
      }
    }
    if (stale) {
      rmSync(file, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
