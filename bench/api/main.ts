/**
 * `npm run -s bench -- api [--json] [--jobs 50] [--points 200] [--seconds 10]` (loopback only, bounded):
 *  - p50/p99 latency and queries/s of N concurrent connections of point queries on a finished forecast,
 *    measured with autocannon (an established load generator, not a hand-written client);
 *  - /health p99 while a report job runs in embedded mode, jobs inline (EPP_EMBEDDED_JOBS=inline) and in
 *    job processes (the default), side by side;
 *  - end-to-end throughput of M small post-processing jobs (raw, real ERA5 t850, distinct requests; the
 *    per-job overhead) in embedded mode and on Redis with 1 and with 2 worker processes, and of K CPU-bound
 *    `mixed` jobs (the shipped default model) on Redis with 1 and 2 workers, with the 2/1 ratio;
 *  - the ceiling of this machine for the point-query figures: a bare node:http server and a bare Fastify
 *    route answering the same point-query JSON, under the same autocannon settings, in the same run;
 *  - mixed jobs with EPP_TF_THREADS=1 per worker (1 vs 2 workers: the scaling of processes, not of tensor
 *    threads) and, for reference, 1 worker with the default threads (the cores);
 *  - the load average at start and end (figures from a busy machine are not idle figures).
 * `--mixed-jobs K` (default 8).
 * Needs the real data (EPP_REAL_DATA, default ../shared/data/real) and `redis-server` on PATH.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { launch, ROOT, startRedis, startWorkers, stop, type Launched } from '../common/redis.js';
import { printResults } from '../report.js';
const KEY = 'bench-admin-key-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are read field by field
type Json = any;

async function call(
  url: string,
  method: string,
  p: string,
  json?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(url + p, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

async function waitAll(url: string, ids: string[]): Promise<void> {
  const left = new Set(ids);
  while (left.size) {
    for (const id of [...left]) {
      const r = await call(url, 'GET', `/v1/jobs/${id}`);
      if (r.body.state === 'completed') left.delete(id);
      else if (r.body.state === 'failed')
        throw new Error(`job ${id} failed: ${JSON.stringify(r.body.error)}`);
    }
    if (left.size) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Submit `n` distinct jobs and time until all have completed: `raw` (small: the per-job overhead) or
 * `mixed` (CPU-bound: the shipped default model, found from the install, on ERA5 members 1–5).
 */
async function throughput(
  url: string,
  n: number,
  salt: number,
  method: 'raw' | 'mixed' = 'raw',
): Promise<{ seconds: number; jobsPerS: number; msPerJob: number }> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(url, 'POST', '/v1/forecasts', {
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      level: 850,
      method,
      thresholds: [250 + salt + i * 0.01],
    });
    if (r.status !== 202) throw new Error(`submit failed: ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  await waitAll(url, ids);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, jobsPerS: n / seconds, msPerJob: (1000 * seconds) / n };
}

/** Bare servers answering every GET with the JSON in the file given as argument (the point-query ceiling). */
const CEILING: Record<string, string> = {
  'node:http': `import http from 'node:http'; import fs from 'node:fs';
const obj = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const s = http.createServer((q, r) => { const b = JSON.stringify(obj);
  r.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(b) }); r.end(b); });
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`,
  fastify: `import Fastify from 'fastify'; import fs from 'node:fs';
const obj = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const f = Fastify(); f.get('/v1/forecasts/:id/point', async () => obj);
await f.listen({ port: 0, host: '127.0.0.1' }); console.log('listening on http://127.0.0.1:' + f.server.address().port);`,
};

/** autocannon against `paths` (cycled) for `seconds` with `connections` open connections. */
async function load(
  url: string,
  paths: string[],
  connections: number,
  seconds: number,
): Promise<{
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  per_s: number;
  non2xx: number;
  errors: number;
}> {
  let i = 0;
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${KEY}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
  return {
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    per_s: r.requests.average,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** /health under autocannon (10 connections) while a report job runs; also says whether it was still running. */
async function healthDuringReport(url: string, seconds: number, title: string) {
  const sub = await call(url, 'POST', '/v1/reports', {
    data: 'mogreps',
    variable: 'air_temperature',
    model: 'emos',
    from: '2017-06-04',
    to: '2017-06-04',
    pdf: false,
    title,
  });
  if (sub.status !== 202) throw new Error(`report submit: ${JSON.stringify(sub.body)}`);
  for (let k = 0; k < 600; k++) {
    const v = await call(url, 'GET', `/v1/jobs/${sub.body.id}`);
    if (v.body.state === 'active') break;
    if (v.body.state === 'failed' || v.body.state === 'completed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const r = await load(url, ['/health'], 10, seconds);
  const after = await call(url, 'GET', `/v1/jobs/${sub.body.id}`);
  await waitAll(url, [sub.body.id]);
  return { ...r, job_running_at_end: after.body.state === 'active' };
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const arg = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Math.min(1000, Math.max(1, Number(argv[i + 1]))) : d;
  };
  const nJobs = arg('--jobs', 50);
  const nMixed = arg('--mixed-jobs', 8);
  const loadAtStart = os.loadavg()[0];
  const nPoints = arg('--points', 200);
  const seconds = arg('--seconds', 10);
  const real = path.resolve(process.env.EPP_REAL_DATA ?? path.join(ROOT, '../shared/data/real'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-bench-api-'));
  mkdirSync(path.join(dataDir, 'inbox'));
  copyFileSync(
    path.join(real, 'cfgrib_era5_eda/era5-levels-members.nc3.nc'),
    path.join(dataDir, 'inbox/era5.nc'),
  );
  // MOGREPS-UK history/ and truth/ for a report job (EMOS fitted outside the window).
  const mog = path.join(real, 'improver_test_data/estimate-emos-coefficients/normal');
  for (const d of ['history', 'truth'])
    cpSync(path.join(mog, d), path.join(dataDir, 'mogreps', d), { recursive: true });
  const procs: Launched[] = [];
  const results: Record<string, unknown> = {};
  const rows: (string | number)[][] = [];
  try {
    const base = {
      EPP_DATA_DIR: dataDir,
      EPP_API_KEYS: `${KEY}:admin`,
      EPP_HOST: '127.0.0.1',
      PORT: '0',
      EPP_LOG_LEVEL: 'warn',
    };
    const api = (env: Record<string, string>) =>
      launch(['node', 'dist/apps/api/main.js'], { ...base, ...env }, /listening on http:\/\/[\d.:]+/);
    const urlOf = (p: Launched) => /listening on (http:\/\/[\d.]+:\d+)/.exec(p.out)![1];

    // Embedded mode: point queries, then throughput of one in-process worker.
    const emb = await api({});
    procs.push(emb);
    const url = urlOf(emb);
    const first = await call(url, 'POST', '/v1/forecasts', {
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      level: 850,
      thresholds: [273.15],
    });
    await waitAll(url, [first.body.id]);
    await call(url, 'GET', `/v1/forecasts/${first.body.id}/point?lat=0&lon=0`); // warm the product cache
    const points = Array.from(
      { length: 997 },
      (_, i) =>
        `/v1/forecasts/${first.body.id}/point?lat=${(-80 + (i * 160) / 997).toFixed(2)}&lon=${(i * 7) % 360}`,
    );
    const pq = await load(url, points, nPoints, seconds);
    results.point_queries = { connections: nPoints, seconds, ...pq };
    rows.push(
      [`${nPoints} connections of point queries (autocannon, ${seconds} s)`, 'p50 ms', pq.p50_ms],
      ['', 'p99 ms', pq.p99_ms],
      ['', 'queries/s', pq.per_s],
      ['', 'non-2xx + errors', pq.non2xx + pq.errors],
    );
    // The ceiling: the same JSON from a bare node:http server and a bare Fastify route (same settings).
    const sample = await fetch(url + points[0], { headers: { authorization: `Bearer ${KEY}` } });
    const bodyFile = path.join(dataDir, 'point-sample.json');
    writeFileSync(bodyFile, await sample.text());
    for (const [name, code] of Object.entries(CEILING)) {
      const srv = await launch(
        ['node', '--input-type=module', '-e', code, bodyFile],
        {},
        /listening on http:\/\/[\d.]+:\d+/,
      );
      procs.push(srv);
      const c = await load(urlOf(srv), points, nPoints, seconds);
      await stop(srv);
      results[`ceiling_${name}`] = c;
      rows.push(
        [`the same JSON from bare ${name}, same settings`, 'p50 ms', c.p50_ms],
        ['', 'p99 ms', c.p99_ms],
        ['', 'queries/s', c.per_s],
      );
    }
    const hp = await healthDuringReport(url, Math.min(seconds, 5), 'bench (job processes)');
    results.health_during_report_process = hp;
    rows.push(['/health during a report job, job processes', 'p99 ms', hp.p99_ms]);
    const e = await throughput(url, nJobs, 0);
    results.embedded = e;
    rows.push([`${nJobs} jobs, embedded (1 process)`, 'jobs/s', e.jobsPerS]);
    await stop(emb);
    // The same report with jobs on the API's event loop, for comparison.
    const inline = await api({ EPP_EMBEDDED_JOBS: 'inline' });
    procs.push(inline);
    const hi = await healthDuringReport(urlOf(inline), Math.min(seconds, 5), 'bench (inline)');
    results.health_during_report_inline = hi;
    rows.push(['/health during a report job, inline', 'p99 ms', hi.p99_ms]);
    await stop(inline);

    // Redis: the API plus 1, then 2 worker processes (distinct requests each round).
    const redis = await startRedis();
    procs.push(redis);
    const redisEnv = { REDIS_URL: redis.url, EPP_QUEUE_PREFIX: `bench${process.pid}` };
    const rapi = await api(redisEnv);
    procs.push(rapi);
    const rurl = urlOf(rapi);
    const workerEnv = { ...base, ...redisEnv, EPP_LOG_LEVEL: 'info' };
    // Small jobs: the per-job overhead (submit, queue, job process, read, write, poll).
    for (const workers of [1, 2]) {
      const ws = await startWorkers(workers, workerEnv);
      procs.push(...ws);
      const name = `${workers} worker process${workers > 1 ? 'es' : ''}`;
      const r = await throughput(rurl, nJobs, workers * 10);
      results[`redis_${workers}_worker${workers > 1 ? 's' : ''}`] = r;
      rows.push([`${nJobs} raw jobs, Redis, ${name}`, 'jobs/s', r.jobsPerS], ['', 'ms per job', r.msPerJob]);
      await Promise.all(ws.map(stop));
    }
    // CPU-bound jobs: 1 and 2 workers with one tensor thread each (a worker with the default threads
    // already uses every core), then 1 worker with the default for reference.
    const rounds = [
      { key: 'redis_mixed_1_worker_1_thread', workers: 1, threads: '1' },
      { key: 'redis_mixed_2_workers_1_thread', workers: 2, threads: '1' },
      { key: 'redis_mixed_1_worker_default_threads', workers: 1, threads: '' },
    ];
    for (const [k, round] of rounds.entries()) {
      const env = round.threads ? { ...workerEnv, EPP_TF_THREADS: round.threads } : workerEnv;
      const ws = await startWorkers(round.workers, env);
      procs.push(...ws);
      // Warm each worker's model cache, then the timed jobs (distinct requests each round).
      await throughput(rurl, round.workers, 500 + k * 10, 'mixed');
      const m = await throughput(rurl, nMixed, 100 + k * 10, 'mixed');
      results[round.key] = m;
      const threads = round.threads ? '1 tensor thread each' : `default tensor threads (${os.cpus().length})`;
      rows.push(
        [`${nMixed} mixed jobs, Redis, ${round.workers} worker(s), ${threads}`, 'jobs/s', m.jobsPerS],
        ['', 'ms per job', m.msPerJob],
      );
      await Promise.all(ws.map(stop));
    }
    const m1 = results.redis_mixed_1_worker_1_thread as { jobsPerS: number };
    const m2 = results.redis_mixed_2_workers_1_thread as { jobsPerS: number };
    results.mixed_speedup_2_vs_1 = m2.jobsPerS / m1.jobsPerS;
    rows.push(['mixed jobs: 2 workers / 1 worker (1 thread each)', 'ratio', m2.jobsPerS / m1.jobsPerS]);
  } finally {
    for (const p of procs.reverse()) await stop(p).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Timings on a machine busy with other work are not idle figures: the load is part of the result.
  results.machine = {
    cpus: os.cpus().length,
    node: process.version,
    loadavg_1m_start: loadAtStart,
    loadavg_1m_end: os.loadavg()[0],
  };
  rows.push([
    'load average (1 min) at start / end',
    '',
    `${loadAtStart.toFixed(2)} / ${os.loadavg()[0].toFixed(2)}`,
  ]);
  printResults(results, { header: ['measurement', 'unit', 'value'], rows }, asJson);
}
