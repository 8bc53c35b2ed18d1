/**
 * The assumption FileGuard's preflight memo rests on (libs/service/file-guard.ts, LEVELS_NOT_PREFLIGHTED):
 * for `raw` and `mixed` the preflight's outcome does not depend on the request's thresholds or percentiles —
 * the most extreme levels normaliseForecastRequest admits pass or fail exactly as ordinary ones, on the real
 * ERA5 file and the shipped model — while `emos`, which checks them, is left out of the memo.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseForecastRequest, type ForecastRequest } from '../../../libs/contracts/jobs.js';
import { preflightForecast } from '../../../libs/pipeline/forecast/index.js';
import { pinModelRef } from '../../../libs/pipeline/train/store.js';
import { resolveForecastInputs } from '../../../libs/service/job-paths.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

describeRealData('preflight outcome vs product levels (raw, mixed)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-preflight-levels-'));
  mkdirSync(path.join(dir, 'inbox'));
  copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(dir, 'inbox/era5.nc'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const outcome = async (body: Record<string, unknown>): Promise<string> => {
    let req: ForecastRequest = normaliseForecastRequest({
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      ...body,
    });
    if (req.method !== 'raw') req = { ...req, model: pinModelRef(dir, req.model) };
    try {
      await preflightForecast(req, await resolveForecastInputs(dir, req));
      return 'ok';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    }
  };
  const levels = [
    {},
    { thresholds: [250] },
    { thresholds: [-1e12, 0, 1e12], percentiles: [0, 100] },
    { percentiles: Array.from({ length: 101 }, (_, k) => k) },
  ];

  test.each(['raw', 'mixed'])('%s: the same outcome for every admissible set of levels', async (method) => {
    for (const fields of [{ level: 850 }, { level: 123 }, { level: 850, time: 99 }]) {
      const got = new Set<string>();
      for (const l of levels) got.add(await outcome({ method, ...fields, ...l }));
      expect(got.size).toBe(1);
      if (fields.level === 850 && fields.time === undefined) expect([...got]).toEqual(['ok']);
      else expect([...got][0]).not.toBe('ok');
    }
  });
});
