/** The service on Redis: the API produces BullMQ jobs, a separate worker process (sandboxed processors) runs them. */
import { describeRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { forecastScenario } from './helpers/scenario.js';
import { mixedScenario } from './helpers/mixedScenario.js';
import { redisService } from './helpers/redisService.js';
import { KEYS } from './helpers/service.js';

(realDataAvailable() ? describeRedis : describe.skip)('e2e: BullMQ on Redis with a worker process', () => {
  const svc = redisService({ EPP_BODY_LIMIT: '64kb', EPP_UPLOAD_LIMIT: '6mb' });

  forecastScenario(() => ({ api: svc.api, dataDir: svc.dataDir }));
  mixedScenario(() => ({ api: svc.api, dataDir: svc.dataDir }));

  test('the worker reports its heartbeat and stops cleanly on SIGTERM', async () => {
    const h = await svc.api.req('GET', '/health', { key: KEYS.read });
    expect(h.body.queue).toEqual({ mode: 'redis', redis: 'up' });
    expect(h.body.workers.map((w: { pid: number }) => w.pid)).toContain(svc.worker.child.pid);
    expect(await svc.worker.stop('SIGTERM')).toBe(0);
    expect(svc.worker.output()).toMatch(/worker stopped/);
    const after = await svc.api.req('GET', '/health', { key: KEYS.read });
    expect(after.status).toBe(503);
    expect([after.body.status, after.body.reason]).toEqual(['degraded', 'no workers']);
    // Without a key: only the verdict, no hosts or pids.
    const open = await svc.api.req('GET', '/health', { key: null });
    expect([open.status, open.body]).toEqual([503, { status: 'degraded' }]);
  });
});
