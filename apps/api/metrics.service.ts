/**
 * The API's Prometheus metrics: HTTP requests by method, route and status (a histogram), jobs submitted
 * and finished (counters by queue, state and error code, usable with rate()), job run time, jobs by
 * state and queue depth (gauges read at scrape time), post-processing time by method as jobs report it
 * (embedded mode; Redis workers export theirs on EPP_WORKER_METRICS_PORT), build info, process metrics.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EppConfig } from '../../libs/contracts/config.js';
import { EPP_VERSION } from '../../libs/contracts/version.js';
import { collectProcessMetrics } from '../../libs/service/process-metrics.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG } from './tokens.js';

const STARTED = 'eppStartedMs';
declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived (0 before the onRequest hook ran). */
    [STARTED]: number;
  }
}

const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];

@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'epp_http_request_duration_seconds',
    help: 'HTTP requests by method, route (the pattern, not the URL) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'epp_job_duration_seconds',
    help: 'Run time of finished jobs (start of the first attempt to the end), by queue and final state',
    labelNames: ['queue', 'state'],
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly submitted = new Counter({
    name: 'epp_jobs_submitted_total',
    help: 'Jobs submitted (new ids only; a repeated request returns the existing job), by queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  private readonly finished = new Counter({
    name: 'epp_jobs_finished_total',
    help: 'Jobs finished, by queue, final state (completed, failed, cancelled) and error code (empty unless failed)',
    labelNames: ['queue', 'state', 'code'],
    registers: [this.registry],
  });
  private readonly inference = new Histogram({
    name: 'epp_model_inference_seconds',
    help: 'Post-processing time of forecast jobs as the job reports it (read, model, write), by method',
    labelNames: ['method'],
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  constructor(
    private readonly queues: JobQueues,
    @Inject(CONFIG) config: EppConfig,
  ) {
    const queuesRef = this.queues;
    new Gauge({
      name: 'epp_jobs',
      help: 'Jobs by queue and state now (retained finished jobs included)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await queuesRef.counts();
        for (const [queue, c] of Object.entries(counts))
          for (const state of ['queued', 'active', 'completed', 'failed', 'cancelled'] as const)
            this.set({ queue, state }, c[state]);
      },
    });
    new Gauge({
      name: 'epp_queue_depth',
      help: 'Jobs waiting to run (waiting + delayed retries), by queue',
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        const counts = await queuesRef.counts();
        for (const [queue, c] of Object.entries(counts)) this.set({ queue }, c.queued);
      },
    });
    new Gauge({
      name: 'epp_build_info',
      help: 'Version, queue mode and configured tensor backend of this process (value 1)',
      labelNames: ['version', 'tf_backend', 'role'],
      registers: [this.registry],
    }).set({ version: EPP_VERSION, tf_backend: config.tfBackend, role: `api-${this.queues.mode}` }, 1);
    for (const q of Object.values(QUEUE_NAMES)) this.submitted.inc({ queue: q }, 0);
    collectProcessMetrics(this.registry, 'epp_api_');
  }

  onModuleInit(): void {
    this.queues.onSubmitted((queue) => this.submitted.inc({ queue }));
    this.queues.onFinished((v) => {
      this.finished.inc({
        queue: v.type,
        state: v.state,
        code: v.state === 'failed' ? (v.error?.code ?? '') : '',
      });
      if (v.startedAt && v.finishedAt) {
        const s = (Date.parse(v.finishedAt) - Date.parse(v.startedAt)) / 1000;
        this.durations.observe({ queue: v.type, state: v.state }, Math.max(0, s));
      }
      const summary = (v.result as { summary?: { method?: string; durationMs?: number } } | null)?.summary;
      if (v.state === 'completed' && summary?.method && typeof summary.durationMs === 'number')
        this.inference.observe({ method: summary.method }, summary.durationMs / 1000);
    });
  }

  /** Time every request (Fastify hooks); the route label is the matched pattern (`/v1/jobs/:id`). */
  instrument(fastify: FastifyInstance): void {
    // The start time rides on the request (a declared field: no WeakMap entry per request for the GC).
    fastify.decorateRequest(STARTED, 0);
    fastify.addHook('onRequest', (req, _reply, done) => {
      req[STARTED] = performance.now();
      done();
    });
    fastify.addHook('onResponse', (req, reply, done) => {
      const t0 = req[STARTED];
      if (t0 > 0)
        this.http.observe(
          {
            method: req.method,
            route: req.routeOptions.url ?? 'unmatched',
            status: String(reply.statusCode),
          },
          (performance.now() - t0) / 1000,
        );
      done();
    });
  }
}

const QUEUE_NAMES = ['forecast', 'train', 'batch', 'report'];
