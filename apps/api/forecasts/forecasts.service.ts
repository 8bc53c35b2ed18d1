/**
 * Submitting forecast jobs: store an upload by content hash, normalise the request, resolve its file
 * inside the data root, derive the deterministic id, answer an existing job at once, else check the
 * request against the file (so bad input is a 4xx now, not a failed job later) and enqueue.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import {
  jobIdFor,
  normaliseForecastRequest,
  type ForecastJobPayload,
  type JobView,
} from '../../../libs/contracts/jobs.js';
import { preflightForecast } from '../../../libs/pipeline/forecast/index.js';
import { fileStamp, resolveInRoot } from '../../../libs/service/data-root.js';
import { resolveForecastInputs } from '../../../libs/service/job-paths.js';
import { JobQueues } from '../queue/job-queues.js';
import { CONFIG } from '../tokens.js';

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function startsWithGrib(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === 'GRIB';
  } finally {
    closeSync(fd);
  }
}

@Injectable()
export class ForecastsService {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
  ) {}

  /**
   * Move an uploaded temp file to `inbox/uploads/<sha256>.nc` (`.grib` when it starts with `GRIB`; the reader
   * chooses by content either way); returns its path relative to the data root.
   */
  async storeUpload(tmpFile: string): Promise<{ rel: string; fresh: boolean }> {
    const digest = await sha256File(tmpFile);
    const rel = `inbox/uploads/${digest}.${startsWithGrib(tmpFile) ? 'grib' : 'nc'}`;
    const abs = resolveInRoot(this.config.dataDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (existsSync(abs)) {
      rmSync(tmpFile, { force: true });
      return { rel, fresh: false };
    }
    renameSync(tmpFile, abs);
    return { rel, fresh: true };
  }

  async submit(body: Record<string, unknown>, upload?: string): Promise<{ view: JobView; created: boolean }> {
    let fresh = false;
    if (upload) {
      if (body.source !== undefined) {
        rmSync(upload, { force: true });
        throw new InvalidArgumentError('give either source.path or an uploaded file, not both');
      }
      const stored = await this.storeUpload(upload);
      fresh = stored.fresh;
      body = { ...body, source: { path: stored.rel } };
    }
    try {
      const req = normaliseForecastRequest(body);
      const file = resolveInRoot(this.config.dataDir, req.source.path, { mustExist: true });
      const stamp = fileStamp(file);
      const id = jobIdFor('forecast', req, stamp);
      const existing = await this.queues.get(id);
      if (existing) return { view: existing, created: false };
      await preflightForecast(req, resolveForecastInputs(this.config.dataDir, req));
      const payload: ForecastJobPayload = { id, request: req, sourceStamp: stamp };
      return await this.queues.submit('forecast', id, payload);
    } catch (err) {
      // An upload that cannot be processed is not kept.
      if (fresh && typeof (body.source as { path?: string })?.path === 'string')
        rmSync(resolveInRoot(this.config.dataDir, (body.source as { path: string }).path), { force: true });
      throw err;
    }
  }
}
