/**
 * Faults on the Redis deployment: a worker SIGKILLed mid-job (its sandboxed child exits with it; its lock
 * expires, BullMQ's stalled-job check hands the job to a restarted worker, which completes it correctly and
 * reports 2 attempts), and Redis restarted while jobs wait
 * (AOF keeps them; none is lost).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDataset } from '../../libs/netcdf/index.js';
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
  waitForJob,
  type Api,
  type ServiceEnv,
} from './helpers/service.js';

const FAST_RECOVERY = {
  EPP_LOCK_DURATION_MS: '2000',
  EPP_STALLED_INTERVAL_MS: '1000',
  EPP_RETRY_DELAY_MS: '200',
};

async function meanT850(dataDir: string, members: number): Promise<Float64Array> {
  const ds = await openDataset(path.join(dataDir, 'inbox/era5.nc'));
  const v = ds.readVariable('t', { start: [3, 0, 1, 0, 0], count: [1, members, 1, 61, 120] });
  ds.close();
  const n = 61 * 120;
  const out = new Float64Array(n);
  for (let i = 0; i < members; i++) for (let p = 0; p < n; p++) out[p] += v.data[i * n + p] / members;
  return out;
}

async function resultMean(dataDir: string, id: string): Promise<Float32Array> {
  const ds = await openDataset(path.join(dataDir, 'outputs', id, 'result.nc'));
  // [time, latitude, longitude] over every time of the file: the last time is what meanT850 reads.
  const d = Float32Array.from(ds.readVariable('air_temperature_mean').data);
  ds.close();
  return d.subarray(d.length - 61 * 120);
}

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
        return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Wait until none of `pids` runs; returns those still running after `ms`. */
async function waitUntilGone(pids: number[], ms: number): Promise<number[]> {
  // Running, not a zombie waiting for whoever adopted it to reap it.
  const alive = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

(realDataAvailable() ? describeRedis : describe.skip)('e2e faults: worker crash and Redis restart', () => {
  let redis: TestRedis;
  let api: Api;
  let dataDir: string;
  const prefix = randomPrefix();
  let env: ServiceEnv;
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis({ appendonly: true });
    dataDir = makeDataRoot();
    env = { dataDir, redisUrl: redis.url, prefix, extra: FAST_RECOVERY };
    api = await startApi(env);
  }, 90000);
  afterAll(async () => {
    await api?.stop('SIGTERM');
    if (redis) {
      await deletePrefix(redis.url, prefix).catch(() => 0);
      await redis.stop();
    }
    if (dataDir) removeDataRoot(dataDir);
  });

  test('a worker SIGKILLed mid-job: a restarted worker completes the job, with the right result', async () => {
    // The job lingers 4 s before its heavy step so the kill lands mid-job.
    const slow = { ...env, extra: { ...FAST_RECOVERY, EPP_JOB_DELAY_MS: '4000' } };
    const first = await startWorker(slow);
    const r = await api.req('POST', '/v1/forecasts', {
      json: { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, members: 7 },
      key: KEYS.submit,
    });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    for (let i = 0; ; i++) {
      const j = await api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read });
      if (j.body.state === 'active' && j.body.progress > 0) break;
      if (i > 200) throw new Error(`job never became active: ${j.text}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    // SIGKILL the worker alone (not its process group): its sandboxed child must not outlive it.
    const sandboxes = childrenOf(first.child.pid!);
    expect(sandboxes.length).toBeGreaterThan(0);
    process.kill(first.child.pid!, 'SIGKILL');
    await first.stop();
    const orphans = await waitUntilGone(sandboxes, 5000);
    expect(orphans).toEqual([]);
    const during = await api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read });
    expect(during.body.state).not.toBe('completed');

    const second = await startWorker(slow);
    try {
      const job = await waitForJob(api, id, 60000);
      expect(job.state).toBe('completed');
      // It ran twice (cut short on the killed worker, then to the end), and says so.
      expect(job.attempts).toBe(2);
      // The worker logs on its 'completed' event, which may come just after Redis shows the state.
      for (let i = 0; i < 40 && !/job completed/.test(second.output()); i++)
        await new Promise((res) => setTimeout(res, 50));
      expect(second.output()).toMatch(/job completed/);
      const err = maxAbsDiff(await resultMean(dataDir, id), await meanT850(dataDir, 7));
      expect(err).toBeLessThan(1e-3);
    } finally {
      await second.stop('SIGTERM');
    }
  }, 120000);

  test('Redis restarted while jobs are queued: none is lost (AOF)', async () => {
    const ids: string[] = [];
    for (const members of [3, 4, 5, 6]) {
      const r = await api.req('POST', '/v1/forecasts', {
        json: { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, members },
        key: KEYS.submit,
      });
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
    const before = await api.req('GET', `/v1/jobs/${ids[0]}`, { key: KEYS.read });
    expect(before.body.state).toBe('queued');
    await redis.restart!();
    const worker = await startWorker(env);
    try {
      for (const [k, id] of ids.entries()) {
        const job = await waitForJob(api, id, 60000);
        expect(job.state).toBe('completed');
        expect(maxAbsDiff(await resultMean(dataDir, id), await meanT850(dataDir, k + 3))).toBeLessThan(1e-3);
      }
    } finally {
      await worker.stop('SIGTERM');
    }
  }, 120000);
});
