/** /health (open): version, queue backend, Redis, worker heartbeats, tensor backend. /metrics (open): Prometheus. */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { EppConfig } from '../../libs/contracts/config.js';
import { EPP_VERSION } from '../../libs/contracts/version.js';
import { Public } from './auth.guard.js';
import { MetricsService } from './metrics.service.js';
import { HealthDto } from './openapi/schemas.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG } from './tokens.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Liveness: queue, workers, tensor backend, version' })
  @ApiOkResponse({ type: HealthDto })
  @ApiResponse({ status: 503, type: HealthDto, description: 'Redis down or no worker alive' })
  async health(@Res() res: Response): Promise<void> {
    const q = await this.queues.health();
    const ok = q.redis !== 'down' && q.workers.length > 0;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : q.redis === 'down' ? 'redis down' : 'no workers',
      version: EPP_VERSION,
      queue: { mode: q.mode, redis: q.redis },
      workers: q.workers,
      tensorBackend: {
        configured: this.config.tfBackend,
        workers: [...new Set(q.workers.map((w) => w.tfBackend))],
      },
      time: new Date().toISOString(),
    });
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
