/**
 * A worker process's Prometheus metrics on a port of its own (EPP_WORKER_METRICS_PORT; 0 → none): jobs
 * finished by queue, state and error code, job run time, jobs running, post-processing time by method
 * (as the job reports it), the configured tensor backend, and Node's process metrics.
 */
import http from 'node:http';
import type { Job, Worker } from 'bullmq';
import type pino from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EppConfig } from '../../libs/contracts/config.js';
import { decodeJobError } from '../../libs/contracts/jobs.js';
import { EPP_VERSION } from '../../libs/contracts/version.js';
import { collectProcessMetrics } from '../../libs/service/process-metrics.js';

export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];

export function workerMetrics(config: EppConfig, workers: Worker[]): Registry {
  const registry = new Registry();
  const finished = new Counter({
    name: 'epp_worker_jobs_finished_total',
    help: 'Jobs this worker finished, by queue, final state and error code (empty when completed)',
    labelNames: ['queue', 'state', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'epp_worker_job_duration_seconds',
    help: 'Run time of jobs on this worker (start of the attempt to its end), by queue and state',
    labelNames: ['queue', 'state'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'epp_model_inference_seconds',
    help: 'Post-processing time of forecast jobs as the job reports it (read, model, write), by method',
    labelNames: ['method'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const running = new Gauge({
    name: 'epp_worker_active_jobs',
    help: 'Jobs running on this worker now, by queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  new Gauge({
    name: 'epp_build_info',
    help: 'Version and configured tensor backend of this process (value 1)',
    labelNames: ['version', 'tf_backend', 'role'],
    registers: [registry],
  }).set({ version: EPP_VERSION, tf_backend: config.tfBackend, role: 'worker' }, 1);
  for (const w of workers) {
    const queue = w.name;
    running.set({ queue }, 0);
    const seconds = (job: Job) =>
      Math.max(0, ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000);
    w.on('active', () => running.inc({ queue }));
    w.on('completed', (job: Job) => {
      running.dec({ queue });
      finished.inc({ queue, state: 'completed', code: '' });
      duration.observe({ queue, state: 'completed' }, seconds(job));
      const summary = (job.returnvalue as { summary?: { method?: string; durationMs?: number } } | null)
        ?.summary;
      if (summary?.method && typeof summary.durationMs === 'number')
        inference.observe({ method: summary.method }, summary.durationMs / 1000);
    });
    w.on('failed', (job: Job | undefined, err: Error) => {
      running.dec({ queue });
      finished.inc({ queue, state: 'failed', code: decodeJobError(err?.message).code });
      if (job) duration.observe({ queue, state: 'failed' }, seconds(job));
    });
  }
  collectProcessMetrics(registry, 'epp_worker_');
  return registry;
}

/** Serve `registry` at http://<host>:<port>/metrics; resolves with the server (or null when port is 0). */
export async function serveMetrics(
  registry: Registry,
  port: number,
  host: string,
  log: pino.Logger,
): Promise<http.Server | null> {
  if (!port) return null;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  log.info(
    { metrics: `http://${host}:${typeof a === 'object' && a ? a.port : port}/metrics` },
    'worker metrics',
  );
  return server;
}
