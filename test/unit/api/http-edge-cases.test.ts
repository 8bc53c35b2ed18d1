/**
 * HTTP edge cases of issue 13, each with its status, on the API built in this process (embedded queue):
 * ids that cannot go into a header, JSON nested 2,000 deep, a full disk during an upload, an aborted
 * upload, stale partial uploads at start-up, the open /health, training and report paths that do not
 * exist, non-decimal numbers in queries, and job errors naming files relative to the data root.
 */
import 'reflect-metadata';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../../apps/api/app.js';
import { loadConfig, type EppConfig } from '../../../libs/contracts/config.js';
import { ApiKeyStore, hashKey } from '../../../libs/service/api-keys.js';
import { quarantineName, QUARANTINE_DIR } from '../../../libs/service/quarantine.js';
import { realFile, describeRealData } from '../../helpers/realData.js';

const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-0123456789';

/** A storage boundary that fails like a full disk after `after` bytes. */
function fullDiskSink(after: number) {
  return () => {
    let written = 0;
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > after) {
          const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          cb(err);
        } else cb();
      },
    });
  };
}

describeRealData('API HTTP edge cases (in process)', () => {
  let dataDir: string;
  let app: INestApplication;
  let url: string;
  let config: EppConfig;
  const stale = quarantineName().replace(/-(\d+)-/, '-999999999-'); // this host, a pid that cannot exist

  async function req(
    method: string,
    p: string,
    opts: { key?: string | null; json?: unknown; body?: string | FormData } = {},
  ) {
    const headers: Record<string, string> = {};
    const key = opts.key === undefined ? ADMIN : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | FormData | undefined = opts.body;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    const res = await fetch(url + p, { method, headers, body });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked field by field
    return { status: res.status, headers: res.headers, body: json as any, text };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-edge-'));
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(dataDir, 'inbox/era5.nc'));
    // A partial upload left by a process of this host that is gone (killed mid-upload).
    mkdirSync(path.join(dataDir, QUARANTINE_DIR), { recursive: true });
    writeFileSync(path.join(dataDir, QUARANTINE_DIR, stale), 'partial');
    config = loadConfig({
      EPP_DATA_DIR: dataDir,
      EPP_LOG_LEVEL: 'silent',
      EPP_UPLOAD_LIMIT: '8mb',
      EPP_JOB_DELAY_MS: '1500',
    });
    const keys = new ApiKeyStore([
      { sha256: hashKey(ADMIN), role: 'admin' },
      { sha256: hashKey(READ), role: 'read' },
    ]);
    app = await createApp(config, keys, { openUploadSink: fullDiskSink(64 * 1024) });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const quarantine = () => readdirSync(path.join(dataDir, QUARANTINE_DIR));

  test('start-up deletes partial uploads of dead processes', () => {
    expect(quarantine()).not.toContain(stale);
  });

  test('ids with NUL, CR LF or non-Latin-1 characters: 400 before any header is built', async () => {
    for (const id of ['%00', 'fc-1%0d%0aSet-Cookie:%20x=1', '%E2%82%AC', 'fc-%C3%A9t%C3%A9']) {
      for (const tail of ['result.nc', 'result.json', 'point?lat=1&lon=2', 'area?bbox=1,2,3,4']) {
        const r = await req('GET', `/v1/forecasts/${id}/${tail}`, { key: READ });
        expect([id, tail, r.status, r.body?.error?.code]).toEqual([id, tail, 400, 'INVALID_ARGUMENT']);
        expect(r.headers.get('set-cookie')).toBeNull();
      }
    }
    // Broken percent-encoding is a 400 too; a well-formed unknown id is a 404.
    expect((await req('GET', '/v1/forecasts/%E0%A4%A/result.nc', { key: READ })).status).toBe(400);
    const unknown = await req('GET', `/v1/forecasts/fc-${'0'.repeat(24)}/result.nc`, { key: READ });
    expect(unknown.status).toBe(404);
  });

  test('JSON nested 2,000 deep: 400', async () => {
    const deep = '['.repeat(2000) + ']'.repeat(2000);
    for (const body of [deep, `{"variable":"t","source":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`]) {
      const r = await req('POST', '/v1/forecasts', { body });
      expect([r.status, r.body?.error?.code]).toEqual([400, 'INVALID_ARGUMENT']);
      expect(r.body.error.message).toMatch(/nests 2001 levels deep|nests 2000 levels deep/);
    }
    // Brackets inside strings do not count.
    const r = await req('POST', '/v1/forecasts', {
      json: { source: { path: 'inbox/era5.nc' }, variable: '['.repeat(100) },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/variable/);
  });

  test('an upload onto a full disk: 507, and nothing is left behind', async () => {
    const form = new FormData();
    form.append('variable', 't');
    form.append('file', new Blob([Buffer.alloc(1024 * 1024, 1)]), 'big.nc');
    const r = await req('POST', '/v1/forecasts', { body: form, key: ADMIN });
    expect([r.status, r.body?.error?.code]).toEqual([507, 'INSUFFICIENT_STORAGE']);
    expect(quarantine()).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'inbox'))).toEqual(['era5.nc']);
  });

  test('an upload the client aborts midway is deleted', async () => {
    const { port } = new URL(url);
    const boundary = 'xBOUNDARYx';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="variable"\r\n\r\nt\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.nc"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n';
    await new Promise<void>((resolve) => {
      const r = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/forecasts',
        headers: {
          authorization: `Bearer ${ADMIN}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + 4 * 1024 * 1024),
        },
      });
      r.on('error', () => resolve());
      r.write(head);
      r.write(Buffer.alloc(16 * 1024, 7)); // below the full-disk seam's 64 KiB
      setTimeout(() => {
        r.destroy();
        resolve();
      }, 300);
    });
    for (let i = 0; i < 50 && quarantine().length; i++) await new Promise((res) => setTimeout(res, 50));
    expect(quarantine()).toEqual([]);
  });

  test('/health without a key says only ok or degraded; with a key it says more', async () => {
    const open = await req('GET', '/health', { key: null });
    expect([open.status, open.body]).toEqual([200, { status: 'ok' }]);
    expect(open.text).not.toContain(os.hostname());
    const keyed = await req('GET', '/health', { key: READ });
    expect(keyed.body.status).toBe('ok');
    expect(keyed.body.queue).toEqual({ mode: 'embedded', redis: 'not used' });
    expect(keyed.body.workers[0].pid).toBe(process.pid);
    // A wrong key gets the open answer, not an error.
    expect((await req('GET', '/health', { key: 'not-a-key-at-all' })).body).toEqual({ status: 'ok' });
  });

  test('training and report requests on paths that do not exist: 404 before anything is queued', async () => {
    const train = await req('POST', '/v1/models', { json: { model: 'm1', data: 'testbeds/none' } });
    expect([train.status, train.body?.error?.code]).toEqual([404, 'FILE_ACCESS']);
    mkdirSync(path.join(dataDir, 'testbeds/empty'), { recursive: true });
    const notArchive = await req('POST', '/v1/models', { json: { model: 'm1', data: 'testbeds/empty' } });
    expect(notArchive.status).toBe(404);
    expect(notArchive.body.error.message).toMatch(/manifest\.json, forecasts, truth/);
    const outside = await req('POST', '/v1/models', { json: { model: 'm1', data: '../x' } });
    expect(outside.status).toBe(403);
    const report = { variable: 't850', model: 'emos', from: '2016-01-01', to: '2016-01-02' };
    expect((await req('POST', '/v1/reports', { json: { ...report, data: 'cases/none' } })).status).toBe(404);
    const noTruth = await req('POST', '/v1/reports', { json: { ...report, data: 'testbeds/empty' } });
    expect([noTruth.status, noTruth.body.error.code]).toEqual([404, 'FILE_ACCESS']);
  });

  test('numbers in queries are decimal only', async () => {
    const id = `fc-${'0'.repeat(24)}`;
    for (const q of [
      'lat=0x10&lon=0',
      'lat=1&lon=0b1',
      'lat=0o7&lon=1',
      'lat=&lon=1',
      'lat=%201&lon=1',
      'lat=Infinity&lon=1',
    ])
      expect([q, (await req('GET', `/v1/forecasts/${id}/point?${q}`, { key: READ })).status]).toEqual([
        q,
        400,
      ]);
    const bbox = await req('GET', `/v1/forecasts/${id}/area?bbox=0x10,0,20,10`, { key: READ });
    expect(bbox.status).toBe(400);
    expect((await req('GET', '/v1/batches?limit=0x10', { key: READ })).status).toBe(400);
    // Decimal numbers pass validation (and then find no such forecast).
    expect((await req('GET', `/v1/forecasts/${id}/point?lat=-1.5e1&lon=.5`, { key: READ })).status).toBe(404);
  });

  test('a failed job names its file relative to the data root', async () => {
    copyFileSync(path.join(dataDir, 'inbox/era5.nc'), path.join(dataDir, 'inbox/swap.nc'));
    const r = await req('POST', '/v1/forecasts', {
      json: { source: { path: 'inbox/swap.nc' }, variable: 't', level: 850 },
    });
    expect(r.status).toBe(202);
    // Replaced by garbage while the job waits (EPP_JOB_DELAY_MS): the reader names the absolute path.
    writeFileSync(path.join(dataDir, 'inbox/swap.nc'), 'not a netcdf file');
    let job;
    for (let i = 0; i < 100; i++) {
      job = (await req('GET', `/v1/jobs/${r.body.id}`, { key: READ })).body;
      if (job.state === 'failed' || job.state === 'completed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(job.state).toBe('failed');
    expect(job.error.code).toBe('INVALID_NETCDF');
    expect(job.error.message).toMatch(/^inbox\/swap\.nc /);
    expect(job.error.message).not.toContain(dataDir);
  }, 30000);
});
