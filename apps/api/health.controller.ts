/**
 * /health (open): `{status: "ok" | "degraded"}` (200 / 503) for anyone; with a valid API key also why, the
 * queue backend, Redis, worker heartbeats (host, pid) and tensor backend. /metrics (open): Prometheus.
 */
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { EppConfig } from '../../libs/contracts/config.js';
import { EPP_VERSION } from '../../libs/contracts/version.js';
import type { ApiKeyStore } from '../../libs/service/api-keys.js';
import { bearerKey, Public } from './auth.guard.js';
import type { Reply } from './http.js';
import { MetricsService } from './metrics.service.js';
import { HealthDto } from './openapi/schemas.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG, KEY_STORE } from './tokens.js';

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
  async health(@Headers('authorization') auth: string | undefined, @Res() res: Reply): Promise<void> {
    const q = await this.queues.health();
    const ok = q.redis !== 'down' && q.workers.length > 0;
    const body: Record<string, unknown> = { status: ok ? 'ok' : 'degraded' };
    // Hosts, pids and the deployment's shape are for key holders only.
    const key = bearerKey(auth);
    if (key && this.keys.roleOf(key))
      Object.assign(body, {
        ...(ok ? {} : { reason: q.redis === 'down' ? 'redis down' : 'no workers' }),
        version: EPP_VERSION,
        queue: { mode: q.mode, redis: q.redis },
        workers: q.workers,
        tensorBackend: {
          configured: this.config.tfBackend,
          workers: [...new Set(q.workers.map((w) => w.tfBackend))],
        },
        time: new Date().toISOString(),
      });
    res.status(ok ? 200 : 503).send(body);
  }

  @Get('metrics')
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } }, description: 'metrics' })
  async prometheus(@Res() res: Reply): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
