/** /v1/models (list, manifest and scores, training jobs) and /v1/datasets (forecast files under the data root). */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { EppConfig } from '../../libs/contracts/config.js';
import { jobIdFor, type TrainJobPayload } from '../../libs/contracts/jobs.js';
import { DatasetCatalog, getModel, listModels } from '../../libs/service/catalog.js';
import { resolveTrainingData } from '../../libs/service/run-job.js';
import { RequireRole } from './auth.guard.js';
import { accepted } from './forecasts/forecasts.controller.js';
import { TrainRequestDto } from './forecasts/forecast-request.dto.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG } from './tokens.js';

@ApiTags('models')
@ApiBearerAuth()
@Controller('v1/models')
export class ModelsController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
  ) {}

  @Get()
  list() {
    return { models: listModels(this.config.dataDir) };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return getModel(this.config.dataDir, id);
  }

  @Post()
  @HttpCode(202)
  @RequireRole('admin')
  async train(@Body() body: TrainRequestDto) {
    resolveTrainingData(this.config.dataDir, body.data);
    const request = { model: body.model, data: body.data, options: body.options ?? {} };
    const id = jobIdFor('train', request);
    const payload: TrainJobPayload = { id, ...request };
    const { view, created } = await this.queues.submit('train', id, payload);
    return accepted(view, created);
  }
}

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('v1/datasets')
export class DatasetsController {
  constructor(private readonly catalog: DatasetCatalog) {}

  /** Every forecast file under the data root; files are opened in a child process, once per version. */
  @Get()
  async list() {
    return { datasets: await this.catalog.list() };
  }
}
