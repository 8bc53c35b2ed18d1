/**
 * Issue 13's attack files (and two GRIB files that hung the GRIB reader before session 4) through the running
 * API, embedded and on Redis: each upload is answered with a 4xx within 10 s while /health keeps answering,
 * the API's peak RSS stays under 1 GiB, nothing is left in quarantine or the inbox, and a good job completes
 * right after. The files are generated here (tmp dir).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probingHealth, upload } from '../../bench/hostile/upload.js';
import { describeRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeRealData, realDataAvailable, realFile } from '../helpers/realData.js';
import {
  corruptChunk,
  gribCutMagic,
  gribGaussianN,
  h5wasmLoop,
  nc3NameBomb,
  WIND_FILE,
  zlibBomb,
  type AttackFile,
} from './helpers/attackFiles.js';
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

const ATTACK_LIMIT_MS = 10000;
const HEALTH_LIMIT_MS = 2500;

/** Peak resident set of a process (VmHWM), bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Poll /health every 50 ms while `work` runs; returns its result and the slowest /health answer. */
async function whileProbingHealth<T>(
  api: Api,
  work: () => Promise<T>,
): Promise<{ value: T; slowestMs: number }> {
  const { value, times } = await probingHealth(api.url, 50, work);
  return { value, slowestMs: Math.max(0, ...times) };
}

function files(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function hostileScenario(
  ctx: () => { api: Api; dataDir: string; attacks: AttackFile[]; mode: string },
): void {
  test('every attack file: a 4xx within 10 s, /health answering, nothing left behind, then a good job', async () => {
    const { api, dataDir, attacks, mode } = ctx();
    const rows: string[] = [];
    const outcomes: { name: string; status: number; ms: number; slowestMs: number; leftover: string[] }[] =
      [];
    for (const attack of attacks) {
      const { value: r, slowestMs } = await whileProbingHealth(api, () =>
        upload(api.url, KEYS.submit, attack.fields, attack.file),
      );
      const serverMs = r.totalMs - r.sentMs;
      rows.push(
        `${attack.name}: ${r.status} ${r.body?.error?.code} ${Math.round(serverMs)} ms after the upload ` +
          `(${Math.round(r.totalMs)} ms in all), slowest /health ${Math.round(slowestMs)} ms — ${r.body?.error?.message}`,
      );
      expect(r.text).not.toContain(dataDir);
      const leftover = [
        ...files(path.join(dataDir, 'tmp/uploads')),
        ...files(path.join(dataDir, 'inbox/uploads')),
      ];
      outcomes.push({ name: attack.name, status: r.status, ms: serverMs, slowestMs, leftover });
    }
    const rss = peakRss(api.child.pid!);
    rows.push(`API peak RSS ${Math.round(rss / 2 ** 20)} MiB (load ${os.loadavg()[0].toFixed(1)})`);
    console.log(`[hostile uploads, ${mode}]\n  ${rows.join('\n  ')}`);
    for (const o of outcomes) {
      expect([o.name, o.status >= 400 && o.status < 500, o.leftover]).toEqual([o.name, true, []]);
      expect(o.ms).toBeLessThan(ATTACK_LIMIT_MS);
      // The event loop stayed free: before the guard, /health did not answer at all while these files were
      // read. (The 100 ms figure is measured on a quiet machine, see the issue-13 note; here, with tests in
      // parallel on two cores, only a blocked loop is a failure.)
      expect(o.slowestMs).toBeLessThan(HEALTH_LIMIT_MS);
    }
    expect(rss).toBeLessThan(1024 ** 3);

    const good = await api.req('POST', '/v1/forecasts', {
      json: { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, members: 4 },
      key: KEYS.submit,
    });
    expect(good.status).toBe(202);
    expect((await waitForJob(api, good.body.id)).state).toBe('completed');
  }, 180000);
}

let attackDir: string;
let attacks: AttackFile[] = [];
beforeAll(() => {
  if (!realDataAvailable()) return;
  attackDir = mkdtempSync(path.join(os.tmpdir(), 'epp-attacks-'));
  attacks = [
    h5wasmLoop(attackDir),
    nc3NameBomb(attackDir, 64),
    nc3NameBomb(attackDir, 190),
    zlibBomb(attackDir),
    corruptChunk(attackDir),
    gribCutMagic(attackDir),
    gribGaussianN(attackDir),
  ];
});
afterAll(() => {
  if (attackDir) rmSync(attackDir, { recursive: true, force: true });
});

describeRealData('e2e hostile files: embedded mode', () => {
  let api: Api;
  let dataDir: string;
  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataRoot();
    api = await startApi({ dataDir });
  }, 90000);
  afterAll(async () => {
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  hostileScenario(() => ({ api, dataDir, attacks, mode: 'embedded' }));

  test('/v1/datasets lists a hostile file as invalid, from its cache the second time', async () => {
    const dropped = path.join(dataDir, 'inbox', 'dropped-loop.nc');
    copyFileSync(attacks[0].file, dropped);
    // A whole-second mtime that utimes can set back exactly (file systems keep sub-millisecond times).
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(dropped, mtime, mtime);
    const t0 = performance.now();
    const { value: first, slowestMs } = await whileProbingHealth(api, () =>
      api.req('GET', '/v1/datasets', { key: KEYS.read }),
    );
    expect(first.status).toBe(200);
    const bad = first.body.datasets.find((d: { path: string }) => d.path === 'inbox/dropped-loop.nc');
    expect(bad.valid).toBe(false);
    expect(bad.error.code).toBe('INVALID_NETCDF');
    expect(bad.error.message).not.toContain(dataDir);
    const era5 = first.body.datasets.find((d: { path: string }) => d.path === 'inbox/era5.nc');
    expect([era5.valid, era5.memberAxis]).toEqual([true, { name: 'number', size: 10 }]);
    expect(slowestMs).toBeLessThan(HEALTH_LIMIT_MS);
    // Not opened again while (path, size, mtime) stay the same: put the intact file (same size) in its place
    // with the same mtime — the listing still says invalid, from the cache; a new mtime makes it re-check.
    copyFileSync(realFile(WIND_FILE), dropped);
    utimesSync(dropped, mtime, mtime);
    const second = await api.req('GET', '/v1/datasets', { key: KEYS.read });
    expect(second.body).toEqual(first.body);
    utimesSync(dropped, new Date(mtime.getTime() + 5000), new Date(mtime.getTime() + 5000));
    const third = await api.req('GET', '/v1/datasets', { key: KEYS.read });
    const again = third.body.datasets.find((d: { path: string }) => d.path === 'inbox/dropped-loop.nc');
    expect(again.valid).toBe(true);
    expect(performance.now() - t0).toBeLessThan(60_000);
    rmSync(path.join(dataDir, 'inbox', 'dropped-loop.nc'));
  }, 60000);
});

(realDataAvailable() ? describeRedis : describe.skip)('e2e hostile files: BullMQ on Redis', () => {
  let redis: TestRedis;
  let api: Api;
  let worker: Proc;
  let dataDir: string;
  const prefix = randomPrefix();
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis();
    dataDir = makeDataRoot();
    const env = { dataDir, redisUrl: redis.url, prefix };
    [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
  }, 90000);
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await api?.stop('SIGTERM');
    if (redis) {
      await deletePrefix(redis.url, prefix).catch(() => 0);
      await redis.stop();
    }
    if (dataDir) removeDataRoot(dataDir);
  });

  hostileScenario(() => ({ api, dataDir, attacks, mode: 'redis' }));

  test('Redis down: submitting and reading jobs answer 503 with Retry-After, /health says degraded', async () => {
    if (!redis.restart || !redis.down) {
      console.warn('[skip] Redis outage: REDIS_URL points at a server this test must not stop');
      return;
    }
    await worker.stop('SIGTERM');
    await redis.down();
    try {
      const t0 = performance.now();
      const r = await api.req('POST', '/v1/forecasts', {
        json: { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, members: 3 },
        key: KEYS.submit,
      });
      expect([r.status, r.body.error.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
      expect(performance.now() - t0).toBeLessThan(10000);
      const job = await fetch(`${api.url}/v1/jobs/fc-${'0'.repeat(24)}`, {
        headers: { authorization: `Bearer ${KEYS.read}` },
      });
      expect([job.status, job.headers.get('retry-after')]).toEqual([503, '5']);
      const post = await fetch(`${api.url}/v1/forecasts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.submit}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, members: 2 }),
      });
      expect([post.status, post.headers.get('retry-after')]).toEqual([503, '5']);
      const health = await api.req('GET', '/health', { key: null });
      expect([health.status, health.body]).toEqual([503, { status: 'degraded' }]);
    } finally {
      await redis.restart();
    }
  }, 60000);
});
