/** /v1/jobs: state, progress, timings, error and result of any job; server-sent progress events. */
import { Controller, Get, MessageEvent, Param, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import type { JobView } from '../../libs/contracts/jobs.js';
import { NotFoundError } from '../../libs/service/errors.js';
import { jobLinks } from './forecasts/forecasts.controller.js';
import { JobQueues } from './queue/job-queues.js';

const POLL_MS = 250;

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly queues: JobQueues) {}

  private async find(id: string): Promise<JobView> {
    const view = await this.queues.get(id);
    if (!view) throw new NotFoundError(`no job ${id} (unknown id, or removed after the retention period)`);
    return view;
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return { ...(await this.find(id)), links: jobLinks(id) };
  }

  /** Server-sent events: one `progress` event per change of state or progress, ending with the final state. */
  @Sse(':id/events')
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
          if (v.state === 'completed' || v.state === 'failed') {
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
