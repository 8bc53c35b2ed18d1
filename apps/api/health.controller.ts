/**
 * /health (open): `{status: "ok" | "degraded"}` (200 / 503) for anyone; with a valid API key also why, the
 * queue backend, Redis, worker heartbeats (host, pid) and tensor backend. /metrics (open): Prometheus.
 */
import { Controller, Get, Headers, Inject, Injectable, Res, type OnModuleInit } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EppConfig } from '../../libs/contracts/config.js';
import type { ApiKeyStore } from '../../libs/service/api-keys.js';
import { bearerKey, Public } from './auth.guard.js';
import { HealthDto } from './openapi/schemas.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG, KEY_STORE } from './tokens.js';

@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly durations = new Histogram({
    name: 'epp_job_duration_seconds',
    help: 'Run time of finished jobs (start of the last attempt to finish), by queue and final state',
    labelNames: ['queue', 'state'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  constructor(private readonly queues: JobQueues) {
    const queuesRef = this.queues;
    new Gauge({
      name: 'epp_jobs',
      help: 'Jobs by queue and state (retained finished jobs included)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await queuesRef.counts();
        for (const [queue, c] of Object.entries(counts))
          for (const state of ['queued', 'active', 'completed', 'failed'] as const)
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
    collectDefaultMetrics({ register: this.registry, prefix: 'epp_api_' });
  }

  onModuleInit(): void {
    this.queues.onFinished((v) => {
      if (!v.startedAt || !v.finishedAt) return;
      const s = (Date.parse(v.finishedAt) - Date.parse(v.startedAt)) / 1000;
      this.durations.observe({ queue: v.type, state: v.state }, Math.max(0, s));
    });
  }
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    @Inject(KEY_STORE) private readonly keys: ApiKeyStore,
    private readonly queues: JobQueues,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({
    summary: 'Liveness: ok or degraded; with an API key also the queue, workers and tensor backend',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiResponse({ status: 503, type: HealthDto, description: 'degraded: Redis down or no worker alive' })
  async health(@Headers('authorization') auth: string | undefined, @Res() res: Response): Promise<void> {
    const q = await this.queues.health();
    const ok = q.redis !== 'down' && q.workers.length > 0;
    const body: Record<string, unknown> = { status: ok ? 'ok' : 'degraded' };
    // Hosts, pids and the deployment's shape are for key holders only.
    const key = bearerKey(auth);
    if (key && this.keys.roleOf(key))
      Object.assign(body, {
        ...(ok ? {} : { reason: q.redis === 'down' ? 'redis down' : 'no workers' }),
        queue: { mode: q.mode, redis: q.redis },
        workers: q.workers,
        tensorBackend: {
          configured: this.config.tfBackend,
          workers: [...new Set(q.workers.map((w) => w.tfBackend))],
        },
        time: new Date().toISOString(),
      });
    res.status(ok ? 200 : 503).json(body);
  }

  @Get('metrics')
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } }, description: 'metrics' })
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
