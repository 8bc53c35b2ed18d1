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
import { FileInterceptor, type UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { parseBbox, parseDecimal, queueOfJobId, type JobView } from '../../../libs/contracts/jobs.js';
import { writeNetcdf } from '../../../libs/netcdf/index.js';
import {
  areaStats,
  areaSubgrid,
  pointSeries,
  pointSeriesCsv,
  type Interp,
} from '../../../libs/pipeline/forecast/index.js';
import { RequireRole } from '../auth.guard.js';
import { sendFile, type Reply } from '../http.js';
import { ApiErrors, MULTIPART_SCHEMA } from '../openapi/decorators.js';
import {
  AreaResultDto,
  ForecastResultDto,
  ForecastUploadDto,
  JobAcceptedDto,
  PointResultDto,
  PointSeriesDto,
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
      point: `/v1/forecasts/${id}/point?lat={lat}&lon={lon}&interp=bilinear&format=json`,
      area: `/v1/forecasts/${id}/area?bbox={west},{south},{east},{north}`,
    });
  // Site predictions (issue 12, apps/api/sites).
  if (id.startsWith('sp-'))
    Object.assign(links, {
      nc: `/v1/sites/predictions/${id}/prediction.nc`,
      json: `/v1/sites/predictions/${id}/result.json`,
      station: `/v1/sites/predictions/${id}/stations/{station}`,
    });
  return links;
}

export function accepted(view: JobView, created: boolean) {
  return { id: view.id, state: view.state, created, links: jobLinks(view.id) };
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[], def: T): T {
  if (v === undefined || v === '') return def;
  if (!allowed.includes(v as T))
    throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function coord(name: string, v: string | undefined): number {
  const x = typeof v === 'string' ? parseDecimal(v) : NaN;
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a decimal number`);
  return x;
}

/** A forecast job id, checked before it goes into a header or a path (400 otherwise). */
function forecastId(id: string): string {
  if (queueOfJobId(id) !== 'forecast' || !id.startsWith('fc-'))
    throw new InvalidArgumentError(`${JSON.stringify(id)} is not a forecast job id (fc- and 24 hex digits)`);
  return id;
}

@ApiTags('forecasts')
@ApiBearerAuth()
@ApiErrors(401)
@ApiExtraModels(ForecastRequestDto, ForecastUploadDto, PointSeriesDto)
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
  async submit(@Body() body: ForecastRequestDto, @UploadedFile() file?: UploadedMultipartFile) {
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
  download(@Param('id') raw: string, @Res() res: Reply): void {
    const id = forecastId(raw);
    sendFile(res, this.results.file(id, 'result.nc'), 'application/x-netcdf', `${id}.nc`);
  }

  @Get(':id/result.json')
  @ApiOperation({ summary: 'The result summary and product list' })
  @ApiOkResponse({ type: ForecastResultDto })
  @ApiErrors(404)
  summary(@Param('id') raw: string, @Res() res: Reply): void {
    const id = forecastId(raw);
    sendFile(res, this.results.file(id, 'result.json'), 'application/json; charset=utf-8');
  }

  @Get(':id/point')
  @ApiOperation({
    summary: 'Time series of every product at (lat, lon)',
    description:
      'Nearest grid point or bilinear interpolation (on projected grids through the grid mapping), every valid time of the result; JSON or CSV.',
  })
  @ApiQuery({ name: 'lat', type: Number, example: 51.5 })
  @ApiQuery({ name: 'lon', type: Number, example: 0 })
  @ApiQuery({ name: 'interp', required: false, enum: ['nearest', 'bilinear'] })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: PointResultDto })
  @ApiErrors(400, 404)
  async point(
    @Param('id') raw: string,
    @Res() res: Reply,
    @Query('lat') lat?: string,
    @Query('lon') lon?: string,
    @Query('interp') interp?: string,
    @Query('format') format?: string,
  ): Promise<void> {
    const id = forecastId(raw);
    const la = coord('lat', lat);
    const lo = coord('lon', lon);
    const how = oneOf<Interp>('interp', interp, ['nearest', 'bilinear'], 'nearest');
    const fmt = oneOf('format', format, ['json', 'csv'] as const, 'json');
    if (fmt === 'csv') {
      const series = pointSeries(await this.results.load(id), la, lo, how);
      res.type('text/csv; charset=utf-8');
      res.send(pointSeriesCsv(series));
    } else {
      // Serialised here (cached per grid cell for nearest): the same bytes Fastify's serialiser would send.
      const json = await this.results.pointJson(id, la, lo, how);
      res.type('application/json; charset=utf-8');
      res.send(json);
    }
  }

  @Get(':id/area')
  @ApiOperation({
    summary: 'Statistics of every product inside a bbox, or its subgrid as NetCDF',
    description:
      'format=json: min, max and area-weighted mean per time; format=nc: result.nc cut to the rows and columns of the bbox.',
  })
  @ApiQuery({ name: 'bbox', description: 'west,south,east,north (degrees)', example: '-10,40,10,60' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'nc'] })
  @ApiProduces('application/json', 'application/x-netcdf')
  @ApiOkResponse({ type: AreaResultDto })
  @ApiErrors(400, 404)
  async area(
    @Param('id') raw: string,
    @Res() res: Reply,
    @Query('bbox') bbox?: string,
    @Query('format') format?: string,
  ): Promise<void> {
    const id = forecastId(raw);
    const box = parseBbox(bbox ?? '', 'bbox');
    const fmt = oneOf('format', format, ['json', 'nc'] as const, 'json');
    const loaded = await this.results.load(id);
    if (fmt === 'json') {
      res.send(areaStats(loaded, box));
      return;
    }
    const spec = await areaSubgrid(loaded, box);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-area-'));
    try {
      const file = path.join(dir, 'area.nc');
      await writeNetcdf(file, spec);
      res.type('application/x-netcdf');
      res.header('Content-Disposition', `attachment; filename="${id}-area.nc"`);
      res.send(readFileSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
