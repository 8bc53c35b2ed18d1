/** The service on Redis: the API produces BullMQ jobs, a separate worker process (sandboxed processors) runs them. */
import { describeRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { forecastScenario } from './helpers/scenario.js';
import { mixedScenario } from './helpers/mixedScenario.js';
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

(realDataAvailable() ? describeRedis : describe.skip)('e2e: BullMQ on Redis with a worker process', () => {
  let redis: TestRedis;
  let api: Api;
  let worker: Proc;
  let dataDir: string;
  const prefix = randomPrefix();
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis();
    dataDir = makeDataRoot();
    const env = {
      dataDir,
      redisUrl: redis.url,
      prefix,
      extra: { EPP_BODY_LIMIT: '64kb', EPP_UPLOAD_LIMIT: '6mb' },
    };
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

  forecastScenario(() => ({ api, dataDir }));
  mixedScenario(() => ({ api, dataDir }));

  test('the worker reports its heartbeat and stops cleanly on SIGTERM', async () => {
    const h = await api.req('GET', '/health', { key: KEYS.read });
    expect(h.body.queue).toEqual({ mode: 'redis', redis: 'up' });
    expect(h.body.workers.map((w: { pid: number }) => w.pid)).toContain(worker.child.pid);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).toMatch(/worker stopped/);
    const after = await api.req('GET', '/health', { key: KEYS.read });
    expect(after.status).toBe(503);
    expect([after.body.status, after.body.reason]).toEqual(['degraded', 'no workers']);
    // Without a key: only the verdict, no hosts or pids.
    const open = await api.req('GET', '/health', { key: null });
    expect([open.status, open.body]).toEqual([503, { status: 'degraded' }]);
  });
});
