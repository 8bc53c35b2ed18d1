/**
 * Submitting forecast jobs: normalise the request, resolve its file inside the data root, derive the
 * deterministic id, answer an existing job at once, else check the request against the file in a child
 * process (FileGuard: so bad input is a 4xx now, not a failed job later, and a hostile file cannot hang or
 * crash the API) and enqueue. An upload stays in quarantine until that check passes, then is stored by
 * content hash under `inbox/uploads/`; a failed check, or any other failure, deletes it.
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
import { EppError, InvalidArgumentError } from '../../../libs/contracts/errors.js';
import {
  jobIdFor,
  normaliseForecastRequest,
  type ForecastJobPayload,
  type ForecastRequest,
  type JobView,
} from '../../../libs/contracts/jobs.js';
import { fileStamp, resolveInRoot } from '../../../libs/service/data-root.js';
import { FileGuard } from '../../../libs/service/file-guard.js';
import { pinModelRef } from '../../../libs/pipeline/train/store.js';
import { QUARANTINE_DIR } from '../../../libs/service/quarantine.js';
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
    private readonly guard: FileGuard,
  ) {}

  /**
   * Check a quarantined upload against the request and store it as `inbox/uploads/<sha256>.nc`
   * (`.grib` when it starts with `GRIB`; the reader chooses by content either way); returns its
   * path relative to the data root and whether this call stored it. The quarantined file is gone afterwards.
   */
  async storeUpload(
    tmpFile: string,
    body: Record<string, unknown>,
    sha256?: string,
  ): Promise<{ rel: string; fresh: boolean }> {
    try {
      const quarantined = `${QUARANTINE_DIR}/${path.basename(tmpFile)}`;
      // Field errors first: cheap, and nothing is read from the file for a request that cannot run.
      const req = normaliseForecastRequest({ ...body, source: { path: quarantined } });
      const digest = sha256 ?? (await sha256File(tmpFile));
      const rel = `inbox/uploads/${digest}.${startsWithGrib(tmpFile) ? 'grib' : 'nc'}`;
      const abs = resolveInRoot(this.config.dataDir, rel);
      // The same content was stored before: the path flow checks this request against it.
      if (existsSync(abs)) return { rel, fresh: false };
      try {
        await this.guard.preflight(this.config.dataDir, req);
      } catch (err) {
        // Errors name the upload, not its quarantine file.
        if (!(err instanceof EppError)) throw err;
        throw new EppError(err.code, err.message.split(quarantined).join('the uploaded file'), {
          cause: err,
          permanent: err.permanent,
        });
      }
      mkdirSync(path.dirname(abs), { recursive: true });
      renameSync(tmpFile, abs);
      return { rel, fresh: true };
    } finally {
      rmSync(tmpFile, { force: true });
    }
  }

  async submit(
    body: Record<string, unknown>,
    upload?: { path: string; sha256?: string },
  ): Promise<{ view: JobView; created: boolean }> {
    let fresh = false;
    if (upload) {
      if (body.source !== undefined) {
        rmSync(upload.path, { force: true });
        throw new InvalidArgumentError('give either source.path or an uploaded file, not both');
      }
      const stored = await this.storeUpload(upload.path, body, upload.sha256);
      fresh = stored.fresh;
      body = { ...body, source: { path: stored.rel } };
    }
    let req: ForecastRequest | undefined;
    try {
      req = normaliseForecastRequest(body);
      // The model version is fixed now (`default` → `default@v3`): the id and the job follow that version.
      if (req.method !== 'raw') req = { ...req, model: pinModelRef(this.config.dataDir, req.model) };
      const file = resolveInRoot(this.config.dataDir, req.source.path, { mustExist: true });
      // `2t`, `air_temperature` and the NetCDF name are one request: resolved (in a child) before the id.
      req = { ...req, variable: await this.guard.resolveVariable(this.config.dataDir, req) };
      // A replaced analysis file is a new job too.
      const analysisFile = req.analysis?.path
        ? resolveInRoot(this.config.dataDir, req.analysis.path, { mustExist: true })
        : undefined;
      const stamp = fileStamp(file) + (analysisFile ? ` analysis ${fileStamp(analysisFile)}` : '');
      const id = jobIdFor('forecast', req, stamp);
      const existing = await this.queues.get(id);
      if (existing) return { view: existing, created: false };
      // A fresh upload was checked against this very request in quarantine.
      if (!fresh) await this.guard.preflight(this.config.dataDir, req);
      const payload: ForecastJobPayload = { id, request: req, sourceStamp: stamp };
      return await this.queues.submit('forecast', id, payload);
    } catch (err) {
      // An upload that cannot be processed is not kept.
      if (fresh && req) rmSync(resolveInRoot(this.config.dataDir, req.source.path), { force: true });
      throw err;
    }
  }
}
