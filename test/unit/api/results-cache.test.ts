/**
 * The result cache of point queries (apps/api/forecasts/results.service.ts), on the API built in this
 * process (embedded queue): the JSON is byte for byte what the pipeline's pointSeries gives from the files,
 * cache hit or not; DELETE /v1/jobs/:id empties it at once; a result replaced on disk by another process is
 * served fresh after the recheck interval (and a replacement by a link out of the data root is refused);
 * a restarted service serves the same bytes and forgets what it deletes.
 */
import 'reflect-metadata';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../../apps/api/app.js';
import { RECHECK_MS } from '../../../apps/api/forecasts/results.service.js';
import { loadConfig, type EppConfig } from '../../../libs/contracts/config.js';
import { loadForecastResult, pointSeries, type Interp } from '../../../libs/pipeline/forecast/index.js';
import { ApiKeyStore, hashKey } from '../../../libs/service/api-keys.js';
import { realFile, describeRealData } from '../../helpers/realData.js';

const KEY = 'admin-key-0123456789';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked field by field
type Json = any;

describeRealData('point-query result cache (in process)', () => {
  let dataDir: string;
  let outside: string;
  let config: EppConfig;
  let app: INestApplication;
  let url: string;
  const keys = new ApiKeyStore([{ sha256: hashKey(KEY), role: 'admin' }]);

  async function start() {
    app = await createApp(config, keys);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async function req(method: string, p: string, json?: unknown) {
    const res = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    let body: Json = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, text, body };
  }

  async function submit(thresholds: number[]): Promise<string> {
    const r = await req('POST', '/v1/forecasts', {
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      level: 850,
      thresholds,
    });
    expect(r.status).toBe(202);
    for (let k = 0; k < 1200; k++) {
      const v = await req('GET', `/v1/jobs/${r.body.id}`);
      if (v.body.state === 'completed') return r.body.id as string;
      if (v.body.state === 'failed') throw new Error(JSON.stringify(v.body.error));
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('job did not finish');
  }

  /** The expected JSON, straight from the files under `outputs/<dir>`, answered as job `id`. */
  async function expected(dir: string, id: string, lat: number, lon: number, interp: Interp = 'nearest') {
    const out = path.join(dataDir, 'outputs', dir);
    const loaded = await loadForecastResult(
      { json: path.join(out, 'result.json'), nc: path.join(out, 'result.nc') },
      id,
    );
    return JSON.stringify(pointSeries(loaded, lat, lon, interp));
  }

  const point = (id: string, q: string) => req('GET', `/v1/forecasts/${id}/point?${q}`);

  let a: string;
  let b: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-rcache-'));
    outside = mkdtempSync(path.join(os.tmpdir(), 'epp-rcache-out-'));
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(dataDir, 'inbox/era5.nc'));
    config = loadConfig({ EPP_DATA_DIR: dataDir, EPP_LOG_LEVEL: 'silent' });
    await start();
    a = await submit([273.15]);
    b = await submit([280, 290]);
  }, 120000);

  afterAll(async () => {
    await app?.close();
    for (const d of [dataDir, outside]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('JSON is byte for byte the pipeline series, miss and hit, nearest and bilinear', async () => {
    const cases: [string, number, number, Interp][] = [
      ['lat=51.5&lon=-0.1', 51.5, -0.1, 'nearest'],
      ['lat=51.50&lon=-0', 51.5, -0, 'nearest'], // the same cell: a cache hit, another `requested`
      ['lat=51.4&lon=0.2', 51.4, 0.2, 'nearest'],
      ['lat=-33.9&lon=151.2&interp=nearest', -33.9, 151.2, 'nearest'],
      ['lat=10&lon=359.5', 10, 359.5, 'nearest'], // across the seam of the global grid
      ['lat=51.5&lon=-0.1&interp=bilinear', 51.5, -0.1, 'bilinear'],
      ['lat=51.5&lon=-0.1&format=json', 51.5, -0.1, 'nearest'],
    ];
    for (const round of [1, 2])
      for (const [q, lat, lon, interp] of cases) {
        const r = await point(a, q);
        expect([round, q, r.status]).toEqual([round, q, 200]);
        expect(r.text).toBe(await expected(a, a, lat, lon, interp));
      }
    const hit = JSON.parse((await point(a, 'lat=51.50&lon=-0')).text);
    expect(hit.requested).toEqual({ lat: 51.5, lon: 0 });
    expect(hit.gridPoint).toEqual({ lat: 51, lon: 0 });
    // Bad input is still the typed 400 of the pipeline's checks.
    for (const q of ['lat=95&lon=0', 'lat=0&lon=400', 'lat=abc&lon=0', 'lat=0&lon=0&interp=cubic']) {
      const r = await point(a, q);
      expect([q, r.status, r.body?.error?.code]).toEqual([q, 400, 'INVALID_ARGUMENT']);
    }
  });

  test('a result replaced on disk (another process) is served fresh after the recheck interval', async () => {
    const before = await point(b, 'lat=51.5&lon=-0.1');
    expect(before.status).toBe(200);
    expect(Object.keys(before.body.probabilities)).toEqual(['280', '290']);
    // Another process renames a different result into place under b's id (a new folder, new inodes).
    const dirB = path.join(dataDir, 'outputs', b);
    const staged = path.join(dataDir, 'outputs', `.staged-${b}`);
    cpSync(path.join(dataDir, 'outputs', a), staged, { recursive: true });
    rmSync(dirB, { recursive: true });
    cpSync(staged, dirB, { recursive: true });
    rmSync(staged, { recursive: true });
    await new Promise((r) => setTimeout(r, RECHECK_MS + 100));
    const after = await point(b, 'lat=51.5&lon=-0.1');
    expect(after.status).toBe(200);
    expect(Object.keys(after.body.probabilities)).toEqual(['273.15']);
    expect(after.text).toBe(await expected(b, b, 51.5, -0.1));
    // Replaced by a link that leaves the data root: refused (403), not served from the cache.
    cpSync(dirB, path.join(outside, 'fake'), { recursive: true });
    rmSync(dirB, { recursive: true });
    symlinkSync(path.join(outside, 'fake'), dirB);
    await new Promise((r) => setTimeout(r, RECHECK_MS + 100));
    const link = await point(b, 'lat=51.5&lon=-0.1');
    expect([link.status, link.body?.error?.code]).toEqual([403, 'PATH_OUTSIDE_ROOT']);
    // And gone: 404.
    rmSync(dirB);
    await new Promise((r) => setTimeout(r, RECHECK_MS + 100));
    expect((await point(b, 'lat=51.5&lon=-0.1')).status).toBe(404);
  });

  test('a restarted service serves the same bytes; DELETE empties the cache at once', async () => {
    const q = 'lat=48.9&lon=2.3';
    const warm = await point(a, q);
    expect(warm.status).toBe(200);
    await app.close();
    await start();
    const again = await point(a, q);
    expect([again.status, again.text]).toEqual([200, warm.text]);
    expect((await req('GET', `/v1/forecasts/${a}/result.nc`)).status).toBe(200);
    // Cached now (paths, products, this cell); DELETE removes the job and its outputs: no cached answer.
    const del = await req('DELETE', `/v1/jobs/${a}`);
    expect([del.status, del.body.outcome]).toEqual([200, 'deleted']);
    for (const p of [
      `point?${q}`,
      'point?lat=51.5&lon=-0.1',
      'result.json',
      'result.nc',
      'area?bbox=0,40,10,50',
    ])
      expect([p, (await req('GET', `/v1/forecasts/${a}/${p}`)).status]).toEqual([p, 404]);
    // The same request again: the same id, a new result, served (not a cached 404 or the old folder).
    expect(await submit([273.15])).toBe(a);
    const fresh = await point(a, q);
    expect([fresh.status, fresh.text]).toEqual([200, await expected(a, a, 48.9, 2.3)]);
  }, 120000);
});
