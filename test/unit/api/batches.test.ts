/**
 * GET /v1/batches counts: a job that failed and was redone with the next method (mixed → emos → raw) is
 * `fellBack`, not `failed`; `failed` is the (file, target)s left unprocessed, as in the batch job's result.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../../apps/api/app.js';
import { loadConfig } from '../../../libs/contracts/config.js';
import { BatchStore, batchJobResult, type BatchRunRecord } from '../../../libs/pipeline/batch/index.js';
import { ApiKeyStore, hashKey } from '../../../libs/service/api-keys.js';

const READ = 'read-key-0123456789';

describe('GET /v1/batches', () => {
  let dataDir: string;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-batches-api-'));
    const config = loadConfig({ EPP_DATA_DIR: dataDir, EPP_LOG_LEVEL: 'silent' });
    app = await createApp(config, new ApiKeyStore([{ sha256: hashKey(READ), role: 'read' }]));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60000);
  afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a fallen-back job is counted as fellBack, an unprocessed one as failed', async () => {
    const job = (id: string, file: string, method: 'mixed' | 'emos', status: 'processed' | 'failed') => ({
      id,
      file,
      target: 't850',
      method,
      status,
      ...(status === 'failed' ? { error: { code: 'MISMATCH', message: 'grid differs' } } : {}),
    });
    const record: BatchRunRecord = {
      id: 'ba-2016-01-12-api-0001',
      status: 'completed',
      date: '2016-01-12',
      trigger: 'api',
      startedAt: '2016-01-12T06:00:00.000Z',
      finishedAt: '2016-01-12T06:01:00.000Z',
      durationMs: 60000,
      methods: { t850: { method: 'mixed', model: 'default@v1', why: 'trained', fallbacks: [] } },
      scanned: { forecasts: 3, truths: 0 },
      jobs: [
        job('fc-a', 'a.nc', 'mixed', 'processed'),
        { ...job('fc-b', 'b.nc', 'mixed', 'failed'), fallbackTo: 'fc-b2' }, // redone with EMOS: processed
        job('fc-b2', 'b.nc', 'emos', 'processed'),
        job('fc-c', 'c.nc', 'emos', 'failed'), // the last method failed too: c.nc left unprocessed
      ],
      verifications: [],
    };
    new BatchStore(dataDir).saveRun(record);
    const res = await fetch(`${url}/v1/batches`, { headers: { authorization: `Bearer ${READ}` } });
    expect(res.status).toBe(200);
    const { batches } = (await res.json()) as { batches: Record<string, unknown>[] };
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ id: record.id, jobs: 4, failed: 1, fellBack: 1 });
    // The same counts as the batch job's own result.
    const { jobs } = batchJobResult(record);
    expect([jobs.failed, jobs.fellBack]).toEqual([batches[0].failed, batches[0].fellBack]);
  });
});
