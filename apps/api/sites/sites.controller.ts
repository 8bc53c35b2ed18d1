/**
 * /v1/sites (issue 12): site (station) forecasts as jobs. Upload a CF timeSeries forecast or observations
 * (or name files under the data root), fit a site model (EMOS or DRN, a new version of `models/<id>`), submit
 * a prediction against a fitted model, then download the CF timeSeries prediction (the file `epp sites
 * predict` writes) or query one station as JSON. Thin: parse, call, map.
 */
import { statSync } from 'node:fs';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor, type UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtension,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import type { JobView } from '../../../libs/contracts/jobs.js';
import { isSitePredictId } from '../../../libs/contracts/sites.js';
import { parseStationPercentiles, stationSeries } from '../../../libs/pipeline/sites/query.js';
import { NotFoundError } from '../../../libs/service/errors.js';
import { resolveSitePredictionFiles } from '../../../libs/service/site-jobs.js';
import { RequireRole } from '../auth.guard.js';
import { sendFile, type Reply } from '../http.js';
import { jobLinks } from '../forecasts/forecasts.controller.js';
import type { QuarantinedFile } from '../forecasts/upload-storage.js';
import { ApiErrors, MULTIPART_SCHEMA } from '../openapi/decorators.js';
import { CONFIG } from '../tokens.js';
import {
  SiteFileDto,
  SiteFileUploadDto,
  SiteFitRequestDto,
  SiteJobAcceptedDto,
  SitePredictionResultDto,
  SitePredictRequestDto,
  SitePredictUploadDto,
  StationSeriesDto,
} from './sites.dto.js';
import { SitesService } from './sites.service.js';

/** A site prediction job id, checked before it goes into a path or a header (400 otherwise). */
function predictionId(id: string): string {
  if (!isSitePredictId(id))
    throw new InvalidArgumentError(
      `${JSON.stringify(id)} is not a site prediction id (sp- and 24 hex digits)`,
    );
  return id;
}

function accepted(view: JobView, created: boolean, model?: string) {
  return { id: view.id, state: view.state, created, links: jobLinks(view.id), ...(model ? { model } : {}) };
}

@ApiTags('sites')
@ApiBearerAuth()
@ApiErrors(401)
@ApiExtraModels(SiteFileUploadDto, SitePredictUploadDto)
@Controller('v1/sites')
export class SitesController {
  constructor(
    @Inject(CONFIG) private readonly config: EppConfig,
    private readonly sites: SitesService,
  ) {}

  @Post('files')
  @HttpCode(201)
  @RequireRole('submit')
  @ApiOperation({
    summary: 'Upload a site forecast (CF timeSeries NetCDF) or observations (NetCDF or CSV)',
    description:
      'The file is read as the given role and variable in a sandboxed check (station_id with cf_role timeseries_id, `<var>(time, station, realization)`, units) and stored by content hash; name the returned path in a fit or prediction request.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: SiteFileUploadDto })
  @ApiExtension(MULTIPART_SCHEMA, getSchemaPath(SiteFileUploadDto))
  @ApiCreatedResponse({ type: SiteFileDto })
  @ApiErrors(400, 403, 413, 422)
  @UseInterceptors(FileInterceptor('file'))
  async upload(@Body() body: Record<string, unknown>, @UploadedFile() file?: UploadedMultipartFile) {
    const upload = file as QuarantinedFile | undefined;
    if (!upload) throw new InvalidArgumentError('file is required (multipart field "file")');
    return this.sites.storeUpload({ path: upload.path, sha256: upload.sha256 }, body.role, body.variable);
  }

  @Post('models')
  @HttpCode(202)
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Fit a site model (emos or drn) on a training period; published as the next version of the model',
    description:
      'The files are checked before the job is queued (stations, members, units, a non-empty training period). The same request on the same files, before a new version is published, returns the same job.',
  })
  @ApiBody({
    type: SiteFitRequestDto,
    examples: {
      emos: {
        summary: 'EMOS on 6 of 11 GEFS members at Innsbruck',
        value: {
          forecast: 'inbox/sites/innsbruck-tmin/forecast.nc',
          observations: 'inbox/sites/innsbruck-tmin/observation.csv',
          variable: 'air_temperature',
          method: 'emos',
          members: 6,
          trainFrom: '2008-01-01',
          trainTo: '2011-01-01',
          model: 'innsbruck-tmin',
        },
      },
    },
  })
  @ApiAcceptedResponse({ type: SiteJobAcceptedDto, description: 'queued (or the existing identical job)' })
  @ApiErrors(400, 403, 404, 422, 503)
  async fit(@Body() body: SiteFitRequestDto) {
    const { view, created } = await this.sites.submitFit({ ...body });
    return accepted(view, created);
  }

  @Post('predictions')
  @HttpCode(202)
  @RequireRole('submit')
  @ApiOperation({
    summary: 'Predict with a fitted site model: percentiles 1–99, mean, std and exceedance probabilities',
    description:
      'JSON with `forecast` (a file under the data root), or multipart with the forecast in `file`. The model version is fixed at submission; the same request on the same file returns the same job.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    type: SitePredictRequestDto,
    examples: {
      innsbruck: {
        summary: 'two months at Innsbruck',
        value: {
          forecast: 'inbox/sites/innsbruck-tmin/forecast.nc',
          model: 'innsbruck-tmin',
          from: '2012-01-01',
          to: '2012-03-01',
        },
      },
    },
  })
  @ApiExtension(MULTIPART_SCHEMA, getSchemaPath(SitePredictUploadDto))
  @ApiAcceptedResponse({ type: SiteJobAcceptedDto, description: 'queued (or the existing identical job)' })
  @ApiErrors(400, 403, 404, 413, 422, 503)
  @UseInterceptors(FileInterceptor('file'))
  async predict(@Body() body: SitePredictRequestDto, @UploadedFile() file?: UploadedMultipartFile) {
    const upload = file as QuarantinedFile | undefined;
    const { view, created, model } = await this.sites.submitPredict(
      { ...body },
      upload ? { path: upload.path, sha256: upload.sha256 } : undefined,
    );
    return accepted(view, created, model);
  }

  private file(id: string, which: 'nc' | 'json'): string {
    const abs = resolveSitePredictionFiles(this.config.dataDir, predictionId(id))[which];
    try {
      statSync(abs);
    } catch {
      throw new NotFoundError(
        `site prediction ${id} has no ${which === 'nc' ? 'prediction.nc' : 'result.json'} (unknown id, or the job has not completed)`,
      );
    }
    return abs;
  }

  @Get('predictions/:id/prediction.nc')
  @ApiOperation({ summary: 'Download the CF timeSeries prediction (as `epp sites predict` writes it)' })
  @ApiParam({ name: 'id', example: 'sp-0123456789abcdef01234567' })
  @ApiProduces('application/x-netcdf')
  @ApiOkResponse({
    description: 'CF-1.8 timeSeries NetCDF',
    content: { 'application/x-netcdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(400, 404)
  download(@Param('id') id: string, @Res() res: Reply): void {
    const abs = this.file(id, 'nc');
    sendFile(res, abs, 'application/x-netcdf', `${id}.nc`);
  }

  @Get('predictions/:id/result.json')
  @ApiOperation({ summary: 'The prediction summary: model version, members, stations, validity times' })
  @ApiParam({ name: 'id', example: 'sp-0123456789abcdef01234567' })
  @ApiOkResponse({ type: SitePredictionResultDto })
  @ApiErrors(400, 404)
  summary(@Param('id') id: string, @Res() res: Reply): void {
    const abs = this.file(id, 'json');
    sendFile(res, abs, 'application/json; charset=utf-8');
  }

  @Get('predictions/:id/stations/:station')
  @ApiOperation({
    summary:
      'One station of a prediction as JSON: mean, std, percentiles and probabilities per validity time',
  })
  @ApiParam({ name: 'id', example: 'sp-0123456789abcdef01234567' })
  @ApiParam({ name: 'station', example: '11120', description: 'the station_id' })
  @ApiQuery({
    name: 'percentiles',
    required: false,
    description: 'integers in [1, 99] (default 5,10,25,50,75,90,95)',
    example: '10,50,90',
  })
  @ApiOkResponse({ type: StationSeriesDto })
  @ApiErrors(400, 404)
  async station(
    @Param('id') id: string,
    @Param('station') station: string,
    @Query('percentiles') percentiles?: string,
  ) {
    if (!/^[\x20-\x7e]{1,64}$/.test(station)) throw new InvalidArgumentError('station must be a station_id');
    const list = parseStationPercentiles(percentiles);
    const result = JSON.parse(readFileSync(this.file(id, 'json'), 'utf8')) as {
      summary: { variable: string };
    };
    return stationSeries(this.file(id, 'nc'), result.summary.variable, station, list);
  }
}
