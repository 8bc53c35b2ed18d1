/**
 * Cancelling a running job with Redis: DELETE /v1/jobs/:id publishes the id, the worker running it aborts
 * it (BullMQ Worker.cancelJob → the sandboxed child's abort signal → an unrecoverable CANCELLED failure,
 * no retry) and the API removes the job and its outputs. The job would take 30 s (EPP_JOB_DELAY_MS).
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describeRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { deletePrefix, randomPrefix } from './helpers/redisPrefix.js';
import {
  KEYS,
  makeDataRoot,
  removeDataRoot,
  requireBuild,
  startApi,
  startWorker,
  type Api,
  type Proc,
} from './helpers/service.js';

(realDataAvailable() ? describeRedis : describe.skip)('e2e: cancelling a running job on Redis', () => {
  let redis: TestRedis;
  let api: Api;
  let worker: Proc;
  let dataDir: string;
  const prefix = randomPrefix();
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis();
    dataDir = makeDataRoot();
    const env = { dataDir, redisUrl: redis.url, prefix, extra: { EPP_JOB_DELAY_MS: '30000' } };
    [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
  }, 90000);
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await api?.stop('SIGTERM');
    if (redis) {
      await deletePrefix(redis.url, prefix);
      await redis.stop();
    }
    if (dataDir) removeDataRoot(dataDir);
  });

  test('DELETE on a running job stops it on the worker, removes it and leaves no output', async () => {
    const body = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, method: 'raw' };
    const r = await api.req('POST', '/v1/forecasts', { json: body, key: KEYS.submit });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    for (let i = 0; i < 200; i++) {
      const v = await api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read });
      if (v.body.state === 'active') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const t0 = Date.now();
    const del = await api.req('DELETE', `/v1/jobs/${id}`, { key: KEYS.submit });
    expect([del.status, del.body]).toEqual([200, { id, outcome: 'cancelled' }]);
    expect(Date.now() - t0).toBeLessThan(5000); // stopped, not waited out
    expect(worker.output()).toMatch(new RegExp(`"job":"${id}".*job cancelled|job cancelled.*"job":"${id}"`));
    // Not retried, not finished later: gone from the queue, nothing under outputs/.
    await new Promise((res) => setTimeout(res, 2000));
    expect((await api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read })).status).toBe(404);
    const outputs = path.join(dataDir, 'outputs');
    expect(existsSync(outputs) ? readdirSync(outputs).filter((n) => n.includes(id)) : []).toEqual([]);
    const active = await api.req('GET', '/v1/jobs?state=active', { key: KEYS.read });
    expect(active.body.total).toBe(0);
  }, 120000);
});
