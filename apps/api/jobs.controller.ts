/** /v1/jobs: list, state, progress, timings, error and result of any job; cancel or delete; progress events. */
import { Controller, Delete, Get, MessageEvent, Param, Query, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { InvalidArgumentError } from '../../libs/contracts/errors.js';
import { QUEUES, type JobState, type JobView, type QueueName } from '../../libs/contracts/jobs.js';
import { NotFoundError } from '../../libs/service/errors.js';
import { RequireRole } from './auth.guard.js';
import { jobLinks } from './forecasts/forecasts.controller.js';
import { ResultsService } from './forecasts/results.service.js';
import { ApiErrors } from './openapi/decorators.js';
import { JOB_STATES, JobDeletedDto, JobListDto, JobViewDto } from './openapi/schemas.js';
import { JobQueues } from './queue/job-queues.js';

const POLL_MS = 250;
const FINAL: readonly JobState[] = ['completed', 'failed', 'cancelled'];

function intParam(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}

@ApiTags('jobs')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly queues: JobQueues,
    private readonly results: ResultsService,
  ) {}

  private async find(id: string): Promise<JobView> {
    const view = await this.queues.get(id);
    if (!view) throw new NotFoundError(`no job ${id} (unknown id, or removed after the retention period)`);
    return view;
  }

  @Get()
  @ApiOperation({ summary: 'List jobs, newest first, filtered by state and queue' })
  @ApiQuery({ name: 'state', required: false, enum: JOB_STATES })
  @ApiQuery({ name: 'queue', required: false, enum: Object.values(QUEUES) })
  @ApiQuery({ name: 'offset', required: false, type: Number, example: 0 })
  @ApiQuery({ name: 'limit', required: false, type: Number, example: 50 })
  @ApiOkResponse({ type: JobListDto })
  @ApiErrors(400)
  async list(
    @Query('state') state?: string,
    @Query('queue') queue?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ) {
    if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state))
      throw new InvalidArgumentError(`state must be one of ${JOB_STATES.join(', ')}`);
    if (queue !== undefined && !(Object.values(QUEUES) as string[]).includes(queue))
      throw new InvalidArgumentError(`queue must be one of ${Object.values(QUEUES).join(', ')}`);
    const o = intParam('offset', offset, 0, 0, 1_000_000);
    const l = intParam('limit', limit, 50, 1, 1000);
    const page = await this.queues.list({
      ...(state ? { state: state as JobState } : {}),
      ...(queue ? { queue: queue as QueueName } : {}),
      offset: o,
      limit: l,
    });
    return {
      jobs: page.jobs.map((v) => ({ ...v, links: jobLinks(v.id) })),
      total: page.total,
      offset: o,
      limit: l,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'State, progress, timings, error and result of a job' })
  @ApiOkResponse({ type: JobViewDto })
  @ApiErrors(404)
  async get(@Param('id') id: string) {
    return { ...(await this.find(id)), links: jobLinks(id) };
  }

  @Delete(':id')
  @RequireRole('submit')
  @ApiOperation({
    summary: 'Cancel a queued or running job, or delete a finished one with its outputs',
    description:
      'A running job is stopped and leaves no partial output; its record stays with state `cancelled`. A finished (completed, failed or cancelled) job is removed with its outputs; a model version a training job published is kept (it belongs to the model, not the job).',
  })
  @ApiOkResponse({ type: JobDeletedDto })
  @ApiErrors(403, 404, 409)
  async remove(@Param('id') id: string) {
    await this.find(id);
    try {
      return { id, outcome: await this.queues.remove(id) };
    } finally {
      // Its outputs are gone (or going): nothing cached for it may answer a query again.
      this.results.forget(id);
    }
  }

  /** Server-sent events: one `progress` event per change of state or progress, ending with the final state. */
  @Sse(':id/events')
  @ApiOperation({ summary: 'Server-sent progress events until the job finishes' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: '`progress` events with data {id, state, progress, error}',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrors(404)
  async events(@Param('id') id: string): Promise<Observable<MessageEvent>> {
    await this.find(id);
    return new Observable<MessageEvent>((sub) => {
      let last = '';
      let stopped = false;
      const tick = async () => {
        if (stopped) return;
        try {
          const v = await this.queues.get(id);
          if (!v) {
            sub.next({ type: 'error', data: { code: 'NOT_FOUND', message: `job ${id} disappeared` } });
            sub.complete();
            return;
          }
          const key = `${v.state}:${v.progress}`;
          if (key !== last) {
            last = key;
            sub.next({
              type: 'progress',
              data: { id, state: v.state, progress: v.progress, error: v.error },
            });
          }
          if (FINAL.includes(v.state)) {
            sub.complete();
            return;
          }
        } catch {
          // transient queue error: try again on the next tick
        }
        timer = setTimeout(() => void tick(), POLL_MS);
      };
      let timer: NodeJS.Timeout | undefined = setTimeout(() => void tick(), 0);
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    });
  }
}
