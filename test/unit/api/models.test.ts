/**
 * Models through the API (built in this process, embedded queue): with a fresh EPP_DATA_DIR the shipped
 * default model is listed and used (emos on the real ERA5 file); versions are listed and selectable
 * (`model: "default@v1"`), a bare id is pinned to the latest version when the job is submitted; training
 * options are validated (unknown fields and out-of-range values are a 400 naming the field); deleting the
 * finished training job keeps the version it published.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../../apps/api/app.js';
import { loadConfig } from '../../../libs/contracts/config.js';
import { bundledModelsDir } from '../../../libs/pipeline/train/store.js';
import { ApiKeyStore, hashKey } from '../../../libs/service/api-keys.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';
import { MINI_BATCH } from '../pipeline/batchFixture.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

const ADMIN = 'admin-key-0123456789';

describeRealData('models API: shipped default, versions, training options', () => {
  let dataDir: string;
  let app: INestApplication;
  let url: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked field by field
  async function req(method: string, p: string, json?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function finished(id: string): Promise<any> {
    for (let i = 0; i < 1200; i++) {
      const v = await req('GET', `/v1/jobs/${id}`);
      if (v.body.state === 'completed' || v.body.state === 'failed') return v.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${id} did not finish`);
  }

  let firstJob = '';
  const T850 = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, method: 'emos' };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-models-api-'));
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(dataDir, 'inbox/era5.nc'));
    const config = loadConfig({
      EPP_DATA_DIR: dataDir,
      EPP_LOG_LEVEL: 'silent',
      EPP_EMBEDDED_JOBS: 'inline',
    });
    app = await createApp(config, new ApiKeyStore([{ sha256: hashKey(ADMIN), role: 'admin' }]));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60000);
  afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a data root without models/: the shipped default is listed and post-processes', async () => {
    const list = await req('GET', '/v1/models');
    const d = list.body.models.find((m: { id: string }) => m.id === 'default');
    expect(d).toMatchObject({ source: 'bundled', version: 'bundled', kinds: ['mixed', 'emos'] });
    expect(d.versions).toHaveLength(1);
    const r = await req('POST', '/v1/forecasts', T850);
    expect(r.status).toBe(202);
    firstJob = r.body.id as string;
    const job = await finished(r.body.id);
    expect(job.error).toBeNull();
    expect(job.result.summary.model).toBe('default@bundled');
  }, 120000);

  test('versions: listed, the latest used for a bare id, another selected with @', async () => {
    const shipped = path.join(bundledModelsDir()!, 'default/emos');
    const v1 = path.join(dataDir, 'models/default/v1/emos');
    const v2 = path.join(dataDir, 'models/default/v2/emos');
    mkdirSync(v1, { recursive: true });
    mkdirSync(v2, { recursive: true });
    copyFileSync(path.join(shipped, 'z500.nc'), path.join(v1, 'z500.nc')); // v1: z500 only
    copyFileSync(path.join(shipped, 't850.nc'), path.join(v2, 't850.nc'));
    writeFileSync(path.join(dataDir, 'models/default/LATEST'), 'v2\n');
    const m = await req('GET', '/v1/models/default');
    expect(m.body.version).toBe('v2');
    expect(m.body.versions.map((v: { version: string; latest: boolean }) => [v.version, v.latest])).toEqual([
      ['v1', false],
      ['v2', true],
      ['bundled', false],
    ]);
    const latest = await req('POST', '/v1/forecasts', T850);
    expect(latest.status).toBe(202);
    expect((await finished(latest.body.id)).result.summary.model).toBe('default@v2');
    // Asking for v2 by name is the same job; v1 has no t850 coefficients: 404 naming the version.
    expect((await req('POST', '/v1/forecasts', { ...T850, model: 'default@v2' })).body.id).toBe(
      latest.body.id,
    );
    const old = await req('POST', '/v1/forecasts', { ...T850, model: 'default@v1' });
    expect([old.status, old.body.error.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    expect(old.body.error.message).toMatch(/default@v1.*t850/);
    const bundled = await req('POST', '/v1/forecasts', { ...T850, model: 'default@bundled' });
    expect([bundled.body.id, bundled.body.created]).toEqual([firstJob, false]); // the first test's job
    const none = await req('POST', '/v1/forecasts', { ...T850, model: 'default@v9' });
    expect([none.status, none.body.error.message]).toEqual([
      404,
      "model 'default' has no version v9; it has v1, v2, bundled",
    ]);
    const bad = await req('POST', '/v1/forecasts', { ...T850, model: 'default@latest' });
    expect(bad.status).toBe(400);
  }, 120000);

  test('training options: {"epochz": 1} and out-of-range values are a 400 naming the field', async () => {
    const post = (options: unknown) => req('POST', '/v1/models', { model: 'm1', data: 'tb', options });
    const typo = await post({ epochz: 1 });
    expect([typo.status, typo.body.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(typo.body.error.message).toMatch(/^options\.epochz: not a training option \(known: task, epochs,/);
    const range = await post({ epochs: 5000 });
    expect([range.status, range.body.error.message]).toEqual([
      400,
      'options.epochs must be an integer in [1, 1000], got 5000',
    ]);
    expect((await post({ task: 'all' })).body.error.message).toMatch(
      /options\.task must be one of bc, uq, mixed/,
    );
    expect((await post({ learningRate: -1 })).status).toBe(400);
    // Valid options get as far as the data check (no archive there: 404).
    expect((await post({ epochs: 2, task: 'bc' })).status).toBe(404);
  });

  test('DELETE of a finished training job removes the job, never the model version it published', async () => {
    // Three initialisations (Jan 4/7/11 2016): two to train on, one to validate on (as modelStore.test).
    const splits = {
      train: { start: '2016-01-04', end: '2016-01-10' },
      val: { start: '2016-01-10', end: '2016-01-12' },
      test: { start: '2016-01-12', end: '2016-01-12' },
    };
    await new TestbedGenerator({ preset: { ...MINI_BATCH, splits }, seed: 3 }).process(
      new ArchiveWriter(path.join(dataDir, 'tb')),
    );
    const sub = await req('POST', '/v1/models', {
      model: 'kept',
      data: 'tb',
      options: { epochs: 1, maxTrainSamples: 2 },
    });
    expect(sub.status).toBe(202);
    const job = await finished(sub.body.id);
    expect([job.state, job.result.version]).toEqual(['completed', 'v1']);
    const dir = path.join(dataDir, 'models/kept/v1');
    const digest = () =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const f = path.join(e.parentPath, e.name);
          return `${path.relative(dir, f)} ${createHash('sha256').update(readFileSync(f)).digest('hex')}`;
        })
        .sort();
    const before = digest();
    expect(before.some((l) => l.startsWith('manifest.json '))).toBe(true);
    const del = await req('DELETE', `/v1/jobs/${sub.body.id}`);
    expect([del.status, del.body.outcome]).toEqual([200, 'deleted']);
    expect((await req('GET', `/v1/jobs/${sub.body.id}`)).status).toBe(404);
    expect(digest()).toEqual(before);
    const m = await req('GET', '/v1/models/kept');
    expect([m.status, m.body.version]).toEqual([200, 'v1']);
    expect(m.body.versions.map((v: { version: string; latest: boolean }) => [v.version, v.latest])).toEqual([
      ['v1', true],
    ]);
    expect(readdirSync(path.join(dataDir, 'models/kept')).sort()).toEqual(['LATEST', 'v1']);
  }, 300000);
});
