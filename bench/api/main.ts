/**
 * `npm run -s bench -- api [--json] [--jobs 50] [--points 200] [--seconds 10] [--mixed-jobs 40]
 *  [--heavy-jobs 16] [--warm-jobs 20] [--latency-jobs 20] [--warmup 3] [--only points,health,raw,mixed]`
 *  (loopback only, bounded):
 *  - p50/p99 latency and queries/s of N concurrent connections of point queries on a finished forecast,
 *    measured with autocannon (an established load generator, not a hand-written client) after a warm-up
 *    of the same load (discarded; every server gets the same), and the ceiling
 *    of this machine for them: a bare node:http server and a bare Fastify route answering the same JSON,
 *    under the same autocannon settings, in the same run;
 *  - /health p99 while a report job runs in embedded mode, jobs inline (EPP_EMBEDDED_JOBS=inline) and in
 *    job processes (the default), side by side;
 *  - throughput of M small post-processing jobs (raw, real ERA5 t850, distinct requests) in embedded mode
 *    and on Redis with 1 and with 2 worker processes, and the latency one small job adds on an idle queue
 *    (submit → finished minus the pipeline's own time: the per-small-job overhead);
 *  - throughput of K CPU-bound `mixed` jobs (the shipped default model, 4 network passes) and of H heavier
 *    ones (the same with 99 percentiles and 20 thresholds) on Redis with 1 and 2 workers of one tensor
 *    thread each (the scaling of processes, not of tensor threads; 1 worker with the default threads for
 *    reference), with the 2/1 ratios;
 *  - for every throughput round: jobs/s end to end (first submit → last finish) and in the steady state
 *    (after every worker's first finish: warm-up excluded; each worker has also run jobs before: two
 *    raw ones, or `--warm-jobs` CPU-bound ones), the
 *    median run time, and the CPU ms per job of every process (job processes, worker processes, the API,
 *    its file-check children, Redis, the bench itself; Linux /proc), the job processes' split into main
 *    thread and other threads — what is serial and what parallel — and the ratio that CPU time alone
 *    allows on this machine's cores;
 *  - the load average at start and end (figures from a busy machine are not idle figures).
 * Completion on Redis is learnt from the queue's events, not by polling (a poll costs the API CPU per
 * unit of wall time, which was half of what 2 workers appeared to cost); each job's view is read once.
 * Needs the real data (EPP_REAL_DATA, default ../shared/data/real) and `redis-server` on PATH.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { QueueEvents } from 'bullmq';
import {
  clockTicks,
  launch,
  measureTreeCpu,
  ROOT,
  startRedis,
  startWorkers,
  stop,
  type Launched,
  type TreeCpu,
} from '../common/redis.js';
import { median, printResults } from '../report.js';
const KEY = 'bench-admin-key-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are read field by field
type Json = any;

/**
 * The bench's own requests (submit, read a view) on kept-alive node:http connections. It ran on the same
 * two cores as the workers, so its CPU was taken from them: with `fetch` (undici) a submit cost the bench
 * ~4 ms of CPU and a read ~2 ms under load, about 3× node:http's (session 7).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function call(
  url: string,
  method: string,
  p: string,
  json?: unknown,
): Promise<{ status: number; body: Json }> {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url + p,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Wait until every job has finished and return their final views. Only the oldest unfinished job is
 * polled (they finish about in submission order), every `pollMs`: a client polling every job every 50 ms
 * spent more CPU — its own and the API's — than the jobs on a 2-core machine and was half of what 2
 * workers appeared to cost (session 6).
 */
async function waitAll(url: string, ids: string[], pollMs = 100): Promise<Json[]> {
  const done = new Map<string, Json>();
  while (done.size < ids.length) {
    const id = ids.find((x) => !done.has(x))!;
    const r = await call(url, 'GET', `/v1/jobs/${id}`);
    if (r.body.state === 'completed') done.set(id, r.body);
    else if (r.body.state === 'failed' || r.body.state === 'cancelled')
      throw new Error(`job ${id} ${r.body.state}: ${JSON.stringify(r.body.error)}`);
    else await new Promise((res) => setTimeout(res, pollMs));
  }
  const views: Json[] = [];
  for (const id of ids) views.push(done.get(id));
  return views;
}

/**
 * Completion of Redis jobs as the queue announces it (BullMQ QueueEvents on the forecast queue's event
 * stream): the bench learns that a job finished without polling, so the API's and the bench's CPU per job
 * does not grow with the wall time of a job (a poll costs the API ~1.4 ms CPU on this machine under load).
 * Each job's view is then read once through the API.
 */
class Completions {
  private readonly finished = new Set<string>();
  private readonly events: QueueEvents;
  private wake: (() => void) | null = null;

  constructor(redisUrl: string, prefix: string) {
    this.events = new QueueEvents('forecast', { connection: { url: redisUrl }, prefix });
    const done = ({ jobId }: { jobId: string }) => {
      this.finished.add(jobId);
      this.wake?.();
    };
    this.events.on('completed', done);
    this.events.on('failed', done);
  }

  ready(): Promise<void> {
    return this.events.waitUntilReady().then(() => new Promise((r) => setTimeout(r, 200)));
  }

  /** Resolve with the views of `ids` once all have finished (a slow poll of the API as a safety net). */
  async views(url: string, ids: string[]): Promise<Json[]> {
    for (;;) {
      const left = ids.filter((id) => !this.finished.has(id));
      if (!left.length) break;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 5000);
      });
      this.wake = null;
      if (ids.some((id) => !this.finished.has(id))) {
        // No event for a while: ask the API about the oldest one (an event lost across a reconnect).
        const id = ids.find((x) => !this.finished.has(x))!;
        const v = await call(url, 'GET', `/v1/jobs/${id}`);
        if (['completed', 'failed', 'cancelled'].includes(v.body.state)) this.finished.add(id);
      }
    }
    const views: Json[] = [];
    for (const id of ids) {
      const v = await call(url, 'GET', `/v1/jobs/${id}`);
      if (v.body.state !== 'completed')
        throw new Error(`job ${id} ${v.body.state}: ${JSON.stringify(v.body.error)}`);
      views.push(v.body);
    }
    return views;
  }

  close(): Promise<void> {
    return this.events.close();
  }
}

type Method = 'raw' | 'mixed' | 'mixed-heavy';

let serial = 0;

/**
 * The request of a bench job, distinct from every other of the run (a threshold), so no two share an id. `raw` is the
 * small job (the per-job overhead); `mixed` the CPU-bound one (the shipped default model, ERA5 members
 * 1–5, the file's 4 times: 4 network passes); `mixed-heavy` the same with a full product set (every
 * percentile 1–99 and 20 thresholds: the Gaussian products then cost as much as the network).
 */
function jobRequest(method: Method): Record<string, unknown> {
  const i = serial++;
  const base = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850 };
  if (method !== 'mixed-heavy') return { ...base, method, thresholds: [250 + i * 0.01] };
  return {
    ...base,
    method: 'mixed',
    percentiles: Array.from({ length: 99 }, (_, k) => k + 1),
    thresholds: Array.from({ length: 20 }, (_, k) => 240 + 2 * k + i * 0.001),
  };
}

interface Throughput {
  jobs: number;
  /** First submit → last job finished (the worker's finish time), s. */
  seconds: number;
  jobsPerS: number;
  msPerJob: number;
  /**
   * Completion rate once every worker is busy: jobs finished after the `workers`-th finish, over the
   * time from that finish to the last one (start-up and the submission ramp excluded).
   */
  steadyJobsPerS: number;
  /** Median run time of a job in its worker (start → finish) and the pipeline's own time (summary.durationMs), ms. */
  runMsMedian: number;
  jobMsMedian: number;
  /** CPU ms per job by process (Linux /proc), when measured. */
  cpuMsPerJob?: Record<string, number>;
  /** The whole machine's busy and stolen CPU ms per job over the same interval (/proc/stat), when measured. */
  machineMsPerJob?: { busy: number; steal: number };
}

/** The process trees to account CPU to: the API, Redis and each worker process (pids). */
interface CpuRoots {
  api: number | undefined;
  redis?: number | undefined;
  workers?: (number | undefined)[];
}

/**
 * The machine's CPU time so far (Linux /proc/stat, all cores, ms): busy (user, nice, system, irq, softirq)
 * and stolen by the hypervisor; null elsewhere. Over a round, busy minus the measured processes' CPU is what
 * other work on the machine took (a round is an idle figure only when that is near zero).
 */
function machineCpu(): { busy: number; steal: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const hz = clockTicks();
  return { busy: ((f[0] + f[1] + f[2] + f[5] + f[6]) * 1000) / hz, steal: ((f[7] ?? 0) * 1000) / hz };
}

/** CPU ms per job by part, from the trees' CPU over the interval and the bench's own (the polling client). */
function cpuPerJob(
  cpu: Record<string, TreeCpu>,
  client: NodeJS.CpuUsage,
  n: number,
  nWorkers: number,
): Record<string, number> {
  const ms = (s: number) => Math.round(((1000 * s) / n) * 10) / 10;
  const workers = Array.from({ length: nWorkers }, (_, k) => cpu[`worker${k}`]);
  const parts = {
    job_processes: ms(workers.reduce((a, w) => a + w.children, 0)),
    worker_processes: ms(workers.reduce((a, w) => a + w.self, 0)),
    api: ms(cpu.api.self),
    api_children: ms(cpu.api.children),
    redis: ms(cpu.redis ? cpu.redis.self + cpu.redis.children : 0),
    bench_client: ms((client.user + client.system) / 1e6),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  // Of the job processes' CPU, what their main (JavaScript) threads spent: one job's critical path.
  const jobMain = ms(workers.reduce((a, w) => a + w.childrenMain, 0));
  return { ...parts, total: Math.round(total * 10) / 10, job_main_thread: jobMain };
}

/**
 * Submit `n` distinct jobs one after another and wait for all: end-to-end and steady-state jobs/s, and
 * the CPU time every process spent per job (`roots`).
 */
async function throughput(
  url: string,
  n: number,
  method: Method = 'raw',
  roots?: CpuRoots,
  events?: Completions,
): Promise<Throughput> {
  const nWorkers = roots?.workers?.length ?? 0;
  const trees: Record<string, number | undefined> = roots
    ? {
        api: roots.api,
        ...(roots.redis ? { redis: roots.redis } : {}),
        ...Object.fromEntries((roots.workers ?? []).map((pid, k) => [`worker${k}`, pid])),
      }
    : {};
  const stopCpu = roots ? measureTreeCpu(trees) : null;
  const machine0 = roots ? machineCpu() : null;
  const client0 = process.cpuUsage();
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(url, 'POST', '/v1/forecasts', jobRequest(method));
    if (r.status !== 202) throw new Error(`submit failed: ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  const views = events ? await events.views(url, ids) : await waitAll(url, ids, 250);
  const cpu = stopCpu?.();
  const machine1 = machine0 ? machineCpu() : null;
  const client = process.cpuUsage(client0);
  const finished = views.map((v) => Date.parse(v.finishedAt)).sort((a, b) => a - b);
  const seconds = (finished[n - 1] - t0) / 1000;
  const busy = Math.max(1, nWorkers);
  const k = Math.min(busy, n - 1) - 1;
  const steady = n > busy ? (n - 1 - k) / ((finished[n - 1] - finished[k]) / 1000) : NaN;
  return {
    jobs: n,
    seconds,
    jobsPerS: n / seconds,
    msPerJob: (1000 * seconds) / n,
    steadyJobsPerS: steady,
    runMsMedian: median(views.map((v) => Date.parse(v.finishedAt) - Date.parse(v.startedAt))),
    jobMsMedian: median(views.map((v) => v.result.summary.durationMs as number)),
    ...(cpu ? { cpuMsPerJob: cpuPerJob(cpu, client, n, nWorkers) } : {}),
    ...(machine0 && machine1
      ? {
          machineMsPerJob: {
            busy: Math.round(((machine1.busy - machine0.busy) / n) * 10) / 10,
            steal: Math.round(((machine1.steal - machine0.steal) / n) * 10) / 10,
          },
        }
      : {}),
  };
}

/**
 * The latency a small job adds on an idle queue: `n` raw jobs one at a time, each submitted and awaited
 * (Redis: its completion event; embedded: polled every 5 ms); overhead = submit → finished minus the pipeline's own time (summary.durationMs):
 * the request, its preflight, enqueueing, the worker's fetch, the job process's hand-over, the completion.
 */
async function smallJobLatency(url: string, n: number, events?: Completions) {
  const rows: { post: number; queued: number; total: number; job: number; overhead: number }[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = Date.now();
    const r = await call(url, 'POST', '/v1/forecasts', jobRequest('raw'));
    if (r.status !== 202) throw new Error(`submit failed: ${JSON.stringify(r.body)}`);
    const post = Date.now() - t0;
    const [v] = events ? await events.views(url, [r.body.id]) : await waitAll(url, [r.body.id], 5);
    const total = Date.parse(v.finishedAt) - t0;
    const job = v.result.summary.durationMs as number;
    rows.push({
      post,
      queued: Date.parse(v.startedAt) - Date.parse(v.createdAt),
      total,
      job,
      overhead: total - job,
    });
  }
  const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
  return {
    jobs: n,
    submitMs: m('post'),
    queuedMs: m('queued'),
    totalMs: m('total'),
    jobMs: m('job'),
    overheadMs: m('overhead'),
  };
}

/** Table rows of a throughput round. */
function throughputRows(title: string, r: Throughput): (string | number)[][] {
  const rows: (string | number)[][] = [
    [title, 'jobs/s, end to end', r.jobsPerS],
    ['', 'jobs/s, steady state', r.steadyJobsPerS],
    ['', 'ms per job (end to end)', r.msPerJob],
    ['', 'run ms in the worker / pipeline ms (medians)', `${r.runMsMedian} / ${r.jobMsMedian}`],
  ];
  const c = r.cpuMsPerJob;
  if (c)
    rows.push([
      '',
      'CPU ms/job: job procs / worker procs / API / API children / Redis / bench / total',
      [c.job_processes, c.worker_processes, c.api, c.api_children, c.redis, c.bench_client, c.total].join(
        ' / ',
      ),
    ]);
  const m = r.machineMsPerJob;
  if (c && m)
    rows.push([
      '',
      'machine CPU ms/job: all processes / outside the measured ones / stolen by the host',
      `${m.busy} / ${Math.round((m.busy - c.total) * 10) / 10} / ${m.steal}`,
    ]);
  if (c?.job_main_thread !== undefined && c.job_processes > 0)
    rows.push([
      '',
      'CPU ms/job of the job procs: main thread / other threads (GC, compiler, libuv)',
      `${c.job_main_thread} / ${Math.round((c.job_processes - c.job_main_thread) * 10) / 10}`,
    ]);
  return rows;
}

function latencyRows(where: string, l: Awaited<ReturnType<typeof smallJobLatency>>): (string | number)[][] {
  return [
    [`one small (raw) job at a time, ${where}, ${l.jobs} jobs (medians)`, 'submit → finished ms', l.totalMs],
    ['', 'of which the pipeline ms', l.jobMs],
    ['', 'overhead per small job ms', l.overheadMs],
    ['', 'POST round trip ms / queued ms', `${l.submitMs} / ${l.queuedMs}`],
  ];
}

/**
 * Jobs/s that the CPU time alone allows: each worker runs its jobs one after another (its job process's
 * main thread, then its own share: a job's critical path), and every process of the run — the job
 * processes' other threads (GC, compiler, libuv) included — shares the machine's cores. (Until session 7
 * the first term took the job processes' whole CPU, which their helper threads spend on another core
 * alongside the main thread; that bound was below the measured rate of 1 worker.)
 */
function cpuBound(m: Throughput, workers: number, cores: number): number {
  const c = m.cpuMsPerJob;
  if (!c) return NaN;
  const path = (c.job_main_thread ?? c.job_processes) + c.worker_processes;
  return Math.min((1000 * workers) / path, (1000 * cores) / c.total);
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

/**
 * autocannon against `paths` (cycled) for `seconds` with `connections` open connections, after `warmup`
 * seconds of the same load whose figures are discarded (JIT and caches warm, for every server alike).
 */
async function load(
  url: string,
  paths: string[],
  connections: number,
  seconds: number,
  warmup: number,
): Promise<{
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  per_s: number;
  non2xx: number;
  errors: number;
}> {
  let i = 0;
  const run = (duration: number) =>
    autocannon({
      url,
      connections,
      duration,
      headers: { authorization: `Bearer ${KEY}` },
      requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
    });
  if (warmup > 0) await run(warmup);
  const r = await run(seconds);
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
  const r = await load(url, ['/health'], 10, seconds, 0);
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
  const nMixed = arg('--mixed-jobs', 40);
  const heavyAt = argv.indexOf('--heavy-jobs');
  const nHeavy = heavyAt >= 0 ? Math.min(1000, Math.max(0, Number(argv[heavyAt + 1]) || 0)) : 16;
  const nLatency = arg('--latency-jobs', 20);
  // CPU-bound rounds: jobs per worker before the timed ones (session 6 used 2).
  const nWarm = arg('--warm-jobs', 20);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',') : null;
  const want = (part: 'points' | 'health' | 'raw' | 'mixed') => !only || only.includes(part);
  const loadAtStart = os.loadavg()[0];
  const nPoints = arg('--points', 200);
  const seconds = arg('--seconds', 10);
  const warmAt = argv.indexOf('--warmup');
  const warmup = warmAt >= 0 ? Math.min(60, Math.max(0, Number(argv[warmAt + 1]) || 0)) : 3;
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
  const closers: (() => Promise<void>)[] = [];
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
    if (want('points')) {
      const points = Array.from(
        { length: 997 },
        (_, i) =>
          `/v1/forecasts/${first.body.id}/point?lat=${(-80 + (i * 160) / 997).toFixed(2)}&lon=${(i * 7) % 360}`,
      );
      const pq = await load(url, points, nPoints, seconds, warmup);
      results.point_queries = { connections: nPoints, seconds, warmup_s: warmup, ...pq };
      rows.push(
        [
          `${nPoints} connections of point queries (autocannon, ${seconds} s after ${warmup} s warm-up)`,
          'p50 ms',
          pq.p50_ms,
        ],
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
        const c = await load(urlOf(srv), points, nPoints, seconds, warmup);
        await stop(srv);
        results[`ceiling_${name}`] = c;
        rows.push(
          [`the same JSON from bare ${name}, same settings`, 'p50 ms', c.p50_ms],
          ['', 'p99 ms', c.p99_ms],
          ['', 'queries/s', c.per_s],
        );
      }
    }
    if (want('health')) {
      const hp = await healthDuringReport(url, Math.min(seconds, 5), 'bench (job processes)');
      results.health_during_report_process = hp;
      rows.push(['/health during a report job, job processes', 'p99 ms', hp.p99_ms]);
    }
    if (want('raw')) {
      const e = await throughput(url, nJobs, 'raw', { api: emb.child.pid });
      results.embedded = e;
      rows.push(...throughputRows(`${nJobs} raw jobs, embedded (1 job process)`, e));
      const lat = await smallJobLatency(url, nLatency);
      results.embedded_small_job_latency = lat;
      rows.push(...latencyRows('embedded', lat));
    }
    await stop(emb);
    if (want('health')) {
      // The same report with jobs on the API's event loop, for comparison.
      const inline = await api({ EPP_EMBEDDED_JOBS: 'inline' });
      procs.push(inline);
      const hi = await healthDuringReport(urlOf(inline), Math.min(seconds, 5), 'bench (inline)');
      results.health_during_report_inline = hi;
      rows.push(['/health during a report job, inline', 'p99 ms', hi.p99_ms]);
      await stop(inline);
    }

    // Redis: the API plus 1, then 2 worker processes (distinct requests each round).
    const redis = await startRedis();
    procs.push(redis);
    const redisEnv = { REDIS_URL: redis.url, EPP_QUEUE_PREFIX: `bench${process.pid}` };
    const rapi = await api(redisEnv);
    procs.push(rapi);
    const rurl = urlOf(rapi);
    const events = new Completions(redis.url, redisEnv.EPP_QUEUE_PREFIX);
    closers.push(() => events.close());
    await events.ready();
    const workerEnv = { ...base, ...redisEnv, EPP_LOG_LEVEL: 'info' };
    const rootsOf = (ws: Launched[]): CpuRoots => ({
      api: rapi.child.pid,
      redis: redis.child.pid,
      workers: ws.map((w) => w.child.pid),
    });
    // Small jobs: the per-job overhead (submit, preflight, queue, job process, read, write, completion).
    if (want('raw'))
      for (const workers of [1, 2]) {
        const ws = await startWorkers(workers, workerEnv);
        procs.push(...ws);
        const name = `${workers} worker process${workers > 1 ? 'es' : ''}`;
        // A first job per worker starts its job process; then the timed jobs.
        await throughput(rurl, 2 * workers, 'raw', undefined, events);
        const r = await throughput(rurl, nJobs, 'raw', rootsOf(ws), events);
        results[`redis_${workers}_worker${workers > 1 ? 's' : ''}`] = r;
        rows.push(...throughputRows(`${nJobs} raw jobs, Redis, ${name}`, r));
        if (workers === 1) {
          const lat = await smallJobLatency(rurl, nLatency, events);
          results.redis_small_job_latency = lat;
          rows.push(...latencyRows('Redis, 1 worker', lat));
        }
        await Promise.all(ws.map(stop));
      }
    // CPU-bound jobs: 1 and 2 workers with one tensor thread each (a worker with the default threads
    // already uses every core), then 1 worker with the default for reference; the heavy job likewise.
    const kinds: { method: Method; n: number; label: string }[] = [
      { method: 'mixed', n: nMixed, label: 'mixed jobs' },
      ...(nHeavy
        ? [
            {
              method: 'mixed-heavy' as const,
              n: nHeavy,
              label: 'heavy mixed jobs (99 percentiles, 20 thresholds)',
            },
          ]
        : []),
    ];
    if (want('mixed'))
      for (const kind of kinds) {
        const tag = kind.method === 'mixed' ? 'mixed' : 'mixed_heavy';
        const rounds = [
          { key: `redis_${tag}_1_worker_1_thread`, workers: 1, threads: '1' },
          { key: `redis_${tag}_2_workers_1_thread`, workers: 2, threads: '1' },
          ...(kind.method === 'mixed'
            ? [{ key: `redis_${tag}_1_worker_default_threads`, workers: 1, threads: '' }]
            : []),
        ];
        const got: Record<string, Throughput> = {};
        for (const round of rounds) {
          const env = round.threads ? { ...workerEnv, EPP_TF_THREADS: round.threads } : workerEnv;
          const ws = await startWorkers(round.workers, env);
          procs.push(...ws);
          // Warm each worker's job process (model cache, tfjs, and V8's compiler: the CPU a mixed job
          // spends off its main thread settles only after ~20 jobs; with 2 warm jobs the 2-worker round's
          // young processes paid for it in their timed jobs more than the 1-worker round's one process),
          // then the timed jobs.
          await throughput(rurl, nWarm * round.workers, kind.method, undefined, events);
          const m = await throughput(rurl, kind.n, kind.method, rootsOf(ws), events);
          results[round.key] = got[round.key] = m;
          const threads = round.threads ? '1 tensor thread each' : 'default tensor threads';
          rows.push(
            ...throughputRows(`${kind.n} ${kind.label}, Redis, ${round.workers} worker(s), ${threads}`, m),
          );
          await Promise.all(ws.map(stop));
        }
        const m1 = got[`redis_${tag}_1_worker_1_thread`];
        const m2 = got[`redis_${tag}_2_workers_1_thread`];
        const bound = (m: Throughput, w: number) => cpuBound(m, w, os.cpus().length);
        const ratio = {
          end_to_end: m2.jobsPerS / m1.jobsPerS,
          steady_state: m2.steadyJobsPerS / m1.steadyJobsPerS,
          cpu_time_bound: bound(m2, 2) / bound(m1, 1),
        };
        results[`${tag}_speedup_2_vs_1`] = ratio;
        rows.push(
          [`${kind.label}: 2 workers / 1 worker (1 thread each)`, 'ratio, end to end', ratio.end_to_end],
          ['', 'ratio, steady state', ratio.steady_state],
          [
            `  the same from CPU time alone (${os.cpus().length} cores)`,
            'ratio of bounds',
            ratio.cpu_time_bound,
          ],
        );
      }
  } finally {
    agent.destroy();
    for (const c of closers) await c().catch(() => undefined);
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
