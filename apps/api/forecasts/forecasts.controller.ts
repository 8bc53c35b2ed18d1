/** /v1/forecasts: submit post-processing, download products, point and area queries. Thin: parse, call, map. */
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtension,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { parseBbox, parseDecimal, queueOfJobId, type JobView } from '../../../libs/contracts/jobs.js';
import { areaStats, pointQuery } from '../../../libs/pipeline/forecast/index.js';
import { RequireRole } from '../auth.guard.js';
import { ApiErrors, MULTIPART_SCHEMA } from '../openapi/decorators.js';
import {
  AreaResultDto,
  ForecastResultDto,
  ForecastUploadDto,
  JobAcceptedDto,
  PointResultDto,
} from '../openapi/schemas.js';
import { ForecastRequestDto } from './forecast-request.dto.js';
import { ForecastsService } from './forecasts.service.js';
import { ResultsService } from './results.service.js';
import type { QuarantinedFile } from './upload-storage.js';

export function jobLinks(id: string): Record<string, string> {
  const links: Record<string, string> = { self: `/v1/jobs/${id}`, events: `/v1/jobs/${id}/events` };
  if (id.startsWith('fc-'))
    Object.assign(links, {
      nc: `/v1/forecasts/${id}/result.nc`,
      json: `/v1/forecasts/${id}/result.json`,
      point: `/v1/forecasts/${id}/point?lat={lat}&lon={lon}`,
      area: `/v1/forecasts/${id}/area?bbox={west},{south},{east},{north}`,
    });
  return links;
}

export function accepted(view: JobView, created: boolean) {
  return { id: view.id, state: view.state, created, links: jobLinks(view.id) };
}

function coord(name: string, v: string | undefined): number {
  const x = typeof v === 'string' ? parseDecimal(v) : NaN;
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a decimal number`);
  return x;
}

/** A forecast job id, checked before it goes into a header or a path (400 otherwise). */
function forecastId(id: string): string {
  if (queueOfJobId(id) !== 'forecast')
    throw new InvalidArgumentError(`${JSON.stringify(id)} is not a forecast job id (fc- and 24 hex digits)`);
  return id;
}

@ApiTags('forecasts')
@ApiBearerAuth()
@ApiErrors(401)
@ApiExtraModels(ForecastRequestDto, ForecastUploadDto)
@Controller('v1/forecasts')
export class ForecastsController {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly results: ResultsService,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireRole('submit')
  @ApiOperation({
    summary: 'Submit a post-processing job',
    description:
      'JSON with `source.path` (a file under the data root), or multipart with the NetCDF file in `file` and the other fields as strings. The same request on the same file returns the same job id.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    required: true,
    type: ForecastRequestDto,
    examples: {
      raw: {
        summary: 'raw ensemble statistics of a file under the data root',
        value: {
          source: { path: 'inbox/era5.nc' },
          variable: 't',
          level: 850,
          method: 'raw',
          thresholds: [273.15],
        },
      },
    },
  })
  @ApiExtension(MULTIPART_SCHEMA, getSchemaPath(ForecastUploadDto))
  @ApiAcceptedResponse({ type: JobAcceptedDto, description: 'queued (or the existing identical job)' })
  @ApiErrors(400, 403, 404, 413, 422, 501, 503)
  @UseInterceptors(FileInterceptor('file'))
  async submit(@Body() body: ForecastRequestDto, @UploadedFile() file?: Express.Multer.File) {
    const upload = file as QuarantinedFile | undefined;
    const { view, created } = await this.forecasts.submit(
      { ...body },
      upload ? { path: upload.path, sha256: upload.sha256 } : undefined,
    );
    return accepted(view, created);
  }

  @Get(':id/result.nc')
  @ApiOperation({ summary: 'Download the products as CF NetCDF' })
  @ApiProduces('application/x-netcdf')
  @ApiOkResponse({
    description: 'CF NetCDF with the products',
    content: { 'application/x-netcdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(404)
  download(@Param('id') raw: string, @Res() res: Response): void {
    const id = forecastId(raw);
    res.type('application/x-netcdf');
    res.setHeader('Content-Disposition', `attachment; filename="${id}.nc"`);
    res.sendFile(this.results.file(id, 'result.nc'));
  }

  @Get(':id/result.json')
  @ApiOperation({ summary: 'The result summary and product list' })
  @ApiOkResponse({ type: ForecastResultDto })
  @ApiErrors(404)
  summary(@Param('id') raw: string, @Res() res: Response): void {
    const id = forecastId(raw);
    res.type('application/json');
    res.sendFile(this.results.file(id, 'result.json'));
  }

  @Get(':id/point')
  @ApiOperation({ summary: 'Every product at the grid point nearest to (lat, lon)' })
  @ApiQuery({ name: 'lat', type: Number, example: 51.5 })
  @ApiQuery({ name: 'lon', type: Number, example: 0 })
  @ApiOkResponse({ type: PointResultDto })
  @ApiErrors(400, 404)
  async point(@Param('id') raw: string, @Query('lat') lat?: string, @Query('lon') lon?: string) {
    const id = forecastId(raw);
    const la = coord('lat', lat);
    const lo = coord('lon', lon);
    return pointQuery(await this.results.load(id), la, lo);
  }

  @Get(':id/area')
  @ApiOperation({ summary: 'Min, max and area-weighted mean of every product inside a bbox' })
  @ApiQuery({ name: 'bbox', description: 'west,south,east,north (degrees)', example: '-10,40,10,60' })
  @ApiOkResponse({ type: AreaResultDto })
  @ApiErrors(400, 404)
  async area(@Param('id') raw: string, @Query('bbox') bbox?: string) {
    const id = forecastId(raw);
    const box = parseBbox(bbox ?? '', 'bbox');
    return areaStats(await this.results.load(id), box);
  }
}
