/**
 * /v1/batches: the nightly batch runs (what ran, what failed and why, scores) from their records under
 * `<dataDir>/batch/runs/`, and POST to start one now (admin; the job's progress is at /v1/jobs/:id).
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { jobIdFor, parseDecimal, type BatchJobPayload } from '../../../libs/contracts/jobs.js';
import { BatchStore, unprocessedJobs } from '../../../libs/pipeline/batch/index.js';
import { NotFoundError } from '../../../libs/service/errors.js';
import { RequireRole } from '../auth.guard.js';
import { accepted } from '../forecasts/forecasts.controller.js';
import { ApiErrors } from '../openapi/decorators.js';
import { BatchListDto, BatchRunDto, BatchStartDto, JobAcceptedDto } from '../openapi/schemas.js';
import { JobQueues } from '../queue/job-queues.js';
import { CONFIG } from '../tokens.js';

@ApiTags('batches')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/batches')
export class BatchesController {
  private readonly store: BatchStore;

  constructor(
    @Inject(CONFIG) config: EppConfig,
    private readonly queues: JobQueues,
  ) {
    this.store = new BatchStore(config.dataDir);
  }

  @Get()
  @ApiOperation({ summary: 'Recent nightly batch runs, newest first' })
  @ApiQuery({ name: 'limit', required: false, type: Number, example: 50 })
  @ApiOkResponse({ type: BatchListDto })
  @ApiErrors(400)
  list(@Query('limit') limit?: string) {
    const n = limit === undefined ? 50 : parseDecimal(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new InvalidArgumentError('limit must be an integer in [1, 1000]');
    const batches = this.store.listRuns(n).map((r) => ({
      id: r.id,
      status: r.status,
      date: r.date,
      trigger: r.trigger,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      jobs: r.jobs.length,
      failed: unprocessedJobs(r).length,
      fellBack: r.jobs.filter((j) => j.fallbackTo).length,
      verified: r.verifications.filter((v) => v.status === 'verified').length,
      links: { self: `/v1/batches/${r.id}` },
    }));
    return { batches };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One batch run: what ran, what failed and why, scores' })
  @ApiOkResponse({ type: BatchRunDto })
  @ApiErrors(404)
  get(@Param('id') id: string) {
    const run = this.store.getRun(id);
    if (!run)
      throw new NotFoundError(
        `no batch run ${id} (a queued batch job shows at /v1/jobs/${id} until it starts)`,
      );
    const scores = this.store.readScores().filter((s) => s.runId === id);
    return { ...run, scores };
  }

  @Post()
  @HttpCode(202)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Start a batch now' })
  @ApiBody({ type: BatchStartDto, required: false })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  @ApiErrors(400, 403, 503)
  async start(@Body() body: { date?: string } = {}) {
    const date = body?.date ?? new Date().toISOString().slice(0, 10);
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new InvalidArgumentError('date must be YYYY-MM-DD');
    // Same date within the same minute → the same job (a double click starts one batch).
    const id = jobIdFor('batch', { date, trigger: 'api' }, new Date().toISOString().slice(0, 16));
    const payload: BatchJobPayload = { id, date, trigger: 'api' };
    const { view, created } = await this.queues.submit('batch', id, payload);
    return accepted(view, created);
  }
}
