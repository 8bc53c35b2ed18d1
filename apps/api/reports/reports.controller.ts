/**
 * /v1/reports: case-study reports (libs/pipeline/report) as jobs on the `report` queue. POST
 * validates the request and its paths inside the data root, then queues it under a deterministic `rp-…`
 * id; GET shows the job (progress while it runs) and links to report.html, report.pdf and scores.json,
 * written under `<dataDir>/outputs/<id>/`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { EppConfig } from '../../../libs/contracts/config.js';
import {
  jobIdFor,
  normaliseReportRequest,
  queueOfJobId,
  type ReportJobPayload,
} from '../../../libs/contracts/jobs.js';
import { resolveInRoot } from '../../../libs/service/data-root.js';
import { NotFoundError } from '../../../libs/service/errors.js';
import {
  reportOutputDir,
  resolveReportInputs,
  resolveSiteReportInputs,
} from '../../../libs/service/run-job.js';
import { RequireRole } from '../auth.guard.js';
import { sendFile, type Reply } from '../http.js';
import { accepted } from '../forecasts/forecasts.controller.js';
import { ApiErrors } from '../openapi/decorators.js';
import { JobAcceptedDto, ReportRequestDto, ReportViewDto } from '../openapi/schemas.js';
import { JobQueues } from '../queue/job-queues.js';
import { CONFIG } from '../tokens.js';

const DOWNLOADS = {
  'report.html': 'text/html; charset=utf-8',
  'report.pdf': 'application/pdf',
  'scores.json': 'application/json; charset=utf-8',
} as const;
type Download = keyof typeof DOWNLOADS;

/** Modification times of the data folder and its input folders: new files there make a new report job. */
function inputsStamp(dataAbs: string): string {
  return ['.', 'forecasts', 'history', 'truth']
    .map((d) => path.join(dataAbs, d))
    .filter((d) => existsSync(d))
    .map((d) => Math.round(statSync(d).mtimeMs))
    .join(':');
}

/** Size and modification time of a site archive's two files: a changed file makes a new report job. */
function siteInputsStamp(f: { forecast: string; observations: string }): string {
  return [f.forecast, f.observations]
    .map((p) => {
      const st = statSync(p);
      return `${st.size}@${Math.round(st.mtimeMs)}`;
    })
    .join(':');
}

@ApiTags('reports')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/reports')
export class ReportsController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireRole('submit')
  @ApiOperation({ summary: 'Queue a case-study report (HTML, PDF, scores)' })
  @ApiBody({ type: ReportRequestDto })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  @ApiErrors(400, 403, 404, 422, 503)
  async submit(@Body() body: Record<string, unknown>) {
    const request = normaliseReportRequest(body);
    const stamp =
      request.kind === 'sites'
        ? siteInputsStamp(resolveSiteReportInputs(this.config.dataDir, request))
        : inputsStamp(resolveReportInputs(this.config.dataDir, request).data);
    const id = jobIdFor('report', request, stamp);
    const payload: ReportJobPayload = { id, request };
    const { view, created } = await this.queues.submit('report', id, payload);
    return { ...accepted(view, created), report: `/v1/reports/${id}` };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A report job with links to its files once completed' })
  @ApiOkResponse({ type: ReportViewDto })
  @ApiErrors(404)
  async get(@Param('id') id: string) {
    const job = queueOfJobId(id) === 'report' ? await this.queues.get(id) : null;
    if (!job) throw new NotFoundError(`no report job ${id}`);
    const base = `/v1/reports/${id}`;
    const links: Record<string, string> = { self: base, job: `/v1/jobs/${id}` };
    if (job.state === 'completed') {
      for (const name of Object.keys(DOWNLOADS) as Download[])
        if (existsSync(this.fileOf(id, name))) links[name] = `${base}/${name}`;
    }
    return { ...job, links };
  }

  @Get(':id/:name')
  @ApiOperation({ summary: 'Download report.html, report.pdf or scores.json' })
  @ApiParam({ name: 'name', enum: ['report.html', 'report.pdf', 'scores.json'] })
  @ApiProduces('text/html', 'application/pdf', 'application/json')
  @ApiOkResponse({
    description: 'the file',
    content: {
      'text/html': { schema: { type: 'string' } },
      'application/pdf': { schema: { type: 'string', format: 'binary' } },
      'application/json': { schema: { type: 'object', additionalProperties: true } },
    },
  })
  @ApiErrors(404)
  download(@Param('id') id: string, @Param('name') name: string, @Res() res: Reply): void {
    if (!(name in DOWNLOADS)) throw new NotFoundError(`reports have no ${name}`);
    const abs = this.fileOf(id, name as Download);
    if (!existsSync(abs))
      throw new NotFoundError(`report ${id} has no ${name} (unknown id, not completed, or not produced)`);
    sendFile(res, abs, DOWNLOADS[name as Download], name === 'report.pdf' ? `${id}.pdf` : undefined);
  }

  private fileOf(id: string, name: Download): string {
    if (queueOfJobId(id) !== 'report') throw new NotFoundError(`no report ${id}`);
    return resolveInRoot(this.config.dataDir, `${reportOutputDir(id)}/${name}`);
  }
}
