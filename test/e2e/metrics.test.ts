/**
 * Prometheus accepts the metrics: `promtool check metrics` passes on the embedded API's /metrics and on
 * a Redis worker's own /metrics port (EPP_WORKER_METRICS_PORT), after real jobs, and the series an
 * operator needs are there (HTTP histogram, job counters and durations, queue depth, build info).
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { describeRealData } from '../helpers/realData.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../helpers/redis.js';
import { deletePrefix, randomPrefix } from './helpers/redisPrefix.js';
import {
  KEYS,
  makeDataRoot,
  removeDataRoot,
  requireBuild,
  startApi,
  startWorker,
  waitForJob,
  type Api,
  type Proc,
} from './helpers/service.js';

function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (Debian package prometheus): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const T850 = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, method: 'raw' };

describeRealData('e2e: metrics pass promtool', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDataRoot));

  test('embedded API /metrics', async () => {
    requireBuild();
    const dataDir = makeDataRoot();
    dirs.push(dataDir);
    const api = await startApi({ dataDir });
    try {
      const r = await api.req('POST', '/v1/forecasts', { json: T850, key: KEYS.submit });
      expect(r.status).toBe(202);
      expect((await waitForJob(api, r.body.id)).state).toBe('completed');
      await api.req('GET', '/v1/forecasts/fc-nope/point?lat=1&lon=1', { key: KEYS.read });
      const text = (await api.req('GET', '/metrics', { key: null })).text;
      const check = promtool(text);
      expect([check.status, check.out]).toEqual([0, '']);
      expect(text).toMatch(/epp_jobs_submitted_total\{queue="forecast"\} 1/);
      expect(text).toMatch(/epp_jobs_finished_total\{queue="forecast",state="completed",code=""\} 1/);
      expect(text).toMatch(/epp_job_duration_seconds_count\{queue="forecast",state="completed"\} 1/);
      expect(text).toMatch(/epp_model_inference_seconds_count\{method="raw"\} 1/);
      expect(text).toMatch(
        /epp_http_request_duration_seconds_count\{method="POST",route="\/v1\/forecasts",status="202"\} 1/,
      );
      expect(text).toMatch(
        /epp_http_request_duration_seconds_count\{method="GET",route="\/v1\/forecasts\/:id\/point",status="4\d\d"\} 1/,
      );
      expect(text).toMatch(/epp_queue_depth\{queue="forecast"\} 0/);
      expect(text).toMatch(/epp_build_info\{version="[^"]+",tf_backend="auto",role="api-embedded"\} 1/);
    } finally {
      await api.stop('SIGTERM');
    }
  }, 120000);

  (redisServerAvailable() ? test : test.skip)(
    'a Redis worker’s own /metrics port',
    async () => {
      requireBuild();
      let redis: TestRedis | undefined;
      let api: Api | undefined;
      let worker: Proc | undefined;
      const prefix = randomPrefix();
      try {
        redis = await startRedis();
        const dataDir = makeDataRoot();
        dirs.push(dataDir);
        const port = await freePort();
        const env = { dataDir, redisUrl: redis.url, prefix };
        [api, worker] = await Promise.all([
          startApi(env),
          startWorker({ ...env, extra: { EPP_WORKER_METRICS_PORT: String(port) } }),
        ]);
        const r = await api.req('POST', '/v1/forecasts', { json: T850, key: KEYS.submit });
        expect((await waitForJob(api, r.body.id)).state).toBe('completed');
        const bad = await api.req('POST', '/v1/forecasts', {
          json: { ...T850, level: 850.5 },
          key: KEYS.submit,
        });
        expect(bad.status).toBeGreaterThanOrEqual(400);
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const check = promtool(text);
        expect([check.status, check.out]).toEqual([0, '']);
        expect(text).toMatch(
          /epp_worker_jobs_finished_total\{queue="forecast",state="completed",code=""\} 1/,
        );
        expect(text).toMatch(/epp_worker_job_duration_seconds_count\{queue="forecast",state="completed"\} 1/);
        expect(text).toMatch(/epp_build_info\{version="[^"]+",tf_backend="auto",role="worker"\} 1/);
        // The API counts finished jobs from the queue's events (BullJobQueues.onFinished): soon, not at once.
        let apiText = '';
        for (let k = 0; k < 50; k++) {
          apiText = (await api.req('GET', '/metrics', { key: null })).text;
          if (/epp_jobs_finished_total\{queue="forecast",state="completed",code=""\} 1/.test(apiText)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(apiText).toMatch(/epp_jobs_finished_total\{queue="forecast",state="completed",code=""\} 1/);
        expect(apiText).toMatch(/epp_job_duration_seconds_count\{queue="forecast",state="completed"\} 1/);
        expect(promtool(apiText).status).toBe(0);
      } finally {
        await worker?.stop('SIGTERM');
        await api?.stop('SIGTERM');
        if (redis) {
          await deletePrefix(redis.url, prefix);
          await redis.stop();
        }
      }
    },
    120000,
  );
});
