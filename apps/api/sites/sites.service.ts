/**
 * Submitting site jobs (issue 12): normalise the request (unknown fields refused), confine its files to the
 * data root, pin the model version (predictions), derive the deterministic id, answer an existing job at
 * once, else check the request against its files in a FileGuard child (a bad site file is a typed 4xx now)
 * and enqueue — fits on the `train` queue, predictions on the `forecast` queue. Uploads are checked in
 * quarantine and stored by content hash under `inbox/uploads/sites/`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { EppError, InvalidArgumentError } from '../../../libs/contracts/errors.js';
import type { JobView } from '../../../libs/contracts/jobs.js';
import {
  normaliseSiteFitRequest,
  normaliseSitePredictRequest,
  siteJobIdFor,
  type SiteFitJobPayload,
  type SitePredictJobPayload,
} from '../../../libs/contracts/sites.js';
import { modelVersions, pinModelRef } from '../../../libs/pipeline/train/store.js';
import { resolveInRoot } from '../../../libs/service/data-root.js';
import { FileGuard } from '../../../libs/service/file-guard.js';
import { QUARANTINE_DIR } from '../../../libs/service/quarantine.js';
import { resolveSiteModel, siteInputStamp } from '../../../libs/service/site-jobs.js';
import { loadSiteModel } from '../../../libs/sites/model.js';
import { JobQueues } from '../queue/job-queues.js';
import { CONFIG } from '../tokens.js';

export const SITE_UPLOADS = 'inbox/uploads/sites';

/** NetCDF classic ('CDF'), or HDF5 (netCDF-4): the first bytes of the file. */
function isNetcdf(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return (
      (n >= 3 && b.toString('latin1', 0, 3) === 'CDF') || (n === 4 && b.toString('latin1') === '\x89HDF')
    );
  } finally {
    closeSync(fd);
  }
}

/** Messages name the upload, not its quarantine file. */
function renamed(err: unknown, quarantined: string): unknown {
  if (!(err instanceof EppError)) return err;
  return new EppError(err.code, err.message.split(quarantined).join('the uploaded file'), {
    cause: err,
    permanent: err.permanent,
  });
}

@Injectable()
export class SitesService {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
    private readonly guard: FileGuard,
  ) {}

  /**
   * Check a quarantined upload as a site forecast or observations of `variable` and store it under
   * `inbox/uploads/sites/<sha256>.nc|.csv`. The quarantined file is gone afterwards.
   */
  async storeUpload(
    upload: { path: string; sha256: string },
    role: unknown,
    variable: unknown,
  ): Promise<Record<string, unknown> & { path: string; created: boolean }> {
    const tmp = upload.path;
    try {
      if (role !== 'forecast' && role !== 'observations')
        throw new InvalidArgumentError('role must be "forecast" or "observations"');
      if (typeof variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(variable))
        throw new InvalidArgumentError('variable must be the NetCDF variable name, e.g. air_temperature');
      const netcdf = isNetcdf(tmp);
      if (!netcdf && role === 'forecast')
        throw new InvalidArgumentError(
          'the uploaded forecast is not a NetCDF file (a CF timeSeries file is needed)',
        );
      const ext = netcdf ? 'nc' : 'csv';
      const rel = `${SITE_UPLOADS}/${upload.sha256}.${ext}`;
      const abs = resolveInRoot(this.config.dataDir, rel);
      const fresh = !existsSync(abs);
      // Checked under its final extension (the readers choose CSV or NetCDF by it), still in quarantine.
      const quarantined = `${QUARANTINE_DIR}/${path.basename(tmp)}.${ext}`;
      const checked = resolveInRoot(this.config.dataDir, quarantined);
      renameSync(tmp, checked);
      try {
        const summary = await this.guard
          .describeSiteFile(this.config.dataDir, quarantined, role, variable)
          .catch((err: unknown) => {
            throw renamed(err, quarantined);
          });
        if (fresh) {
          mkdirSync(path.dirname(abs), { recursive: true });
          renameSync(checked, abs);
        }
        return { path: rel, sha256: upload.sha256, created: fresh, role, ...summary };
      } finally {
        rmSync(checked, { force: true });
      }
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  async submitFit(body: Record<string, unknown>): Promise<{ view: JobView; created: boolean }> {
    const req = normaliseSiteFitRequest(body);
    const stamp = siteInputStamp(this.config.dataDir, [req.forecast, req.observations]);
    // As for gridded training: the version this run follows is part of the id (a rerun after a publish is new).
    const after = modelVersions(this.config.dataDir, req.model).find((v) => v.latest)?.version ?? 'none';
    const id = siteJobIdFor('site-fit', req, `${stamp}#after:${after}`);
    const existing = await this.queues.get(id);
    if (existing) return { view: existing, created: false };
    await this.guard.preflightSite(this.config.dataDir, { kind: 'site-fit', request: req });
    const payload: SiteFitJobPayload = {
      kind: 'site-fit',
      id,
      model: req.model,
      request: req,
      sourceStamp: stamp,
    };
    return this.queues.submit('train', id, payload);
  }

  async submitPredict(
    body: Record<string, unknown>,
    upload?: { path: string; sha256: string },
  ): Promise<{ view: JobView; created: boolean; model: string }> {
    if (upload) {
      if (body.forecast !== undefined) {
        rmSync(upload.path, { force: true });
        throw new InvalidArgumentError('give either forecast (a path) or an uploaded file, not both');
      }
      let variable: string;
      try {
        const model = normaliseSitePredictRequest({ ...body, forecast: 'upload' }).model;
        variable = loadSiteModel(resolveSiteModel(this.config.dataDir, model)).model.variable;
      } catch (err) {
        rmSync(upload.path, { force: true });
        throw err;
      }
      const stored = await this.storeUpload(upload, 'forecast', variable);
      body = { ...body, forecast: stored.path };
    }
    let req = normaliseSitePredictRequest(body);
    // The model version is fixed now: the id and the job follow that version.
    req = { ...req, model: pinModelRef(this.config.dataDir, req.model) };
    const stamp = siteInputStamp(this.config.dataDir, [req.forecast]);
    const id = siteJobIdFor('site-predict', req, stamp);
    const existing = await this.queues.get(id);
    if (existing) return { view: existing, created: false, model: req.model };
    await this.guard.preflightSite(this.config.dataDir, { kind: 'site-predict', request: req });
    const payload: SitePredictJobPayload = { kind: 'site-predict', id, request: req, sourceStamp: stamp };
    return { ...(await this.queues.submit('forecast', id, payload)), model: req.model };
  }
}
