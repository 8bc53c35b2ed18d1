/** /v1/models (list, manifest and scores, training jobs) and /v1/datasets (forecast files under the data root). */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EppConfig } from '../../libs/contracts/config.js';
import { jobIdFor, type TrainJobPayload } from '../../libs/contracts/jobs.js';
import { DatasetCatalog, getModel, listModels } from '../../libs/service/catalog.js';
import { normaliseTrainOptions } from '../../libs/pipeline/train/options.js';
import { modelVersions } from '../../libs/pipeline/train/store.js';
import { resolveTrainingData } from '../../libs/service/run-job.js';
import { RequireRole } from './auth.guard.js';
import { accepted } from './forecasts/forecasts.controller.js';
import { TrainRequestDto } from './forecasts/forecast-request.dto.js';
import { ApiErrors } from './openapi/decorators.js';
import { DatasetListDto, JobAcceptedDto, ModelDto, ModelListDto } from './openapi/schemas.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG } from './tokens.js';

@ApiTags('models')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/models')
export class ModelsController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly queues: JobQueues,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Models: mixed-model versions (training data, test scores) and EMOS coefficients',
  })
  @ApiOkResponse({ type: ModelListDto })
  list() {
    return { models: listModels(this.config.dataDir) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One model with its versions and the manifest of the version in use' })
  @ApiOkResponse({ type: ModelDto })
  @ApiErrors(404)
  get(@Param('id') id: string) {
    return getModel(this.config.dataDir, id);
  }

  @Post()
  @HttpCode(202)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Train a mixed model on a testbed archive (a new version; nothing is overwritten)',
  })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  @ApiErrors(400, 403, 503)
  async train(@Body() body: TrainRequestDto) {
    const options = normaliseTrainOptions(body.options ?? {});
    resolveTrainingData(this.config.dataDir, body.data);
    const request = { model: body.model, data: body.data, options: body.options ?? {} };
    // The version this run follows is part of the id: the same request after a publish trains a new version,
    // the same request while its run is queued or running is that run.
    const after = modelVersions(this.config.dataDir, body.model).find((v) => v.latest)?.version ?? 'none';
    const id = jobIdFor('train', { ...request, options }, `after:${after}`);
    const payload: TrainJobPayload = { id, ...request };
    const { view, created } = await this.queues.submit('train', id, payload);
    return accepted(view, created);
  }
}

@ApiTags('datasets')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/datasets')
export class DatasetsController {
  constructor(private readonly catalog: DatasetCatalog) {}

  /** Every forecast file under the data root; files are opened in a child process, once per version. */
  @Get()
  @ApiOperation({ summary: 'Forecast files under the data root with their dimensions and variables' })
  @ApiOkResponse({ type: DatasetListDto })
  async list() {
    return { datasets: await this.catalog.list() };
  }
}
