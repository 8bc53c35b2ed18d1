/**
 * Cancelling a running job with Redis: DELETE /v1/jobs/:id publishes the id, the worker running it aborts
 * it (BullMQ Worker.cancelJob → the sandboxed child's abort signal → an unrecoverable CANCELLED failure,
 * no retry) and the API removes the job and its outputs. The job would take 30 s (EPP_JOB_DELAY_MS).
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describeRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { redisService } from './helpers/redisService.js';
import { KEYS } from './helpers/service.js';

(realDataAvailable() ? describeRedis : describe.skip)('e2e: cancelling a running job on Redis', () => {
  const svc = redisService({ EPP_JOB_DELAY_MS: '30000' });

  test('DELETE on a running job stops it on the worker, removes it and leaves no output', async () => {
    const body = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, method: 'raw' };
    const r = await svc.api.req('POST', '/v1/forecasts', { json: body, key: KEYS.submit });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    for (let i = 0; i < 200; i++) {
      const v = await svc.api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read });
      if (v.body.state === 'active') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const t0 = Date.now();
    const del = await svc.api.req('DELETE', `/v1/jobs/${id}`, { key: KEYS.submit });
    expect([del.status, del.body]).toEqual([200, { id, outcome: 'cancelled' }]);
    expect(Date.now() - t0).toBeLessThan(5000); // stopped, not waited out
    expect(svc.worker.output()).toMatch(
      new RegExp(`"job":"${id}".*job cancelled|job cancelled.*"job":"${id}"`),
    );
    // Not retried, not finished later: gone from the queue, nothing under outputs/.
    await new Promise((res) => setTimeout(res, 2000));
    expect((await svc.api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read })).status).toBe(404);
    const outputs = path.join(svc.dataDir, 'outputs');
    expect(existsSync(outputs) ? readdirSync(outputs).filter((n) => n.includes(id)) : []).toEqual([]);
    const active = await svc.api.req('GET', '/v1/jobs?state=active', { key: KEYS.read });
    expect(active.body.total).toBe(0);
  }, 120000);
});
