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
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { parseBbox, parseDecimal, queueOfJobId, type JobView } from '../../../libs/contracts/jobs.js';
import { areaStats, pointQuery } from '../../../libs/pipeline/forecast/index.js';
import { RequireRole } from '../auth.guard.js';
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
@Controller('v1/forecasts')
export class ForecastsController {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly results: ResultsService,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireRole('submit')
  @ApiConsumes('application/json', 'multipart/form-data')
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
  @ApiOkResponse({ description: 'CF NetCDF with the products' })
  download(@Param('id') raw: string, @Res() res: Response): void {
    const id = forecastId(raw);
    res.type('application/x-netcdf');
    res.setHeader('Content-Disposition', `attachment; filename="${id}.nc"`);
    res.sendFile(this.results.file(id, 'result.nc'));
  }

  @Get(':id/result.json')
  summary(@Param('id') raw: string, @Res() res: Response): void {
    const id = forecastId(raw);
    res.type('application/json');
    res.sendFile(this.results.file(id, 'result.json'));
  }

  @Get(':id/point')
  @ApiQuery({ name: 'lat', type: Number })
  @ApiQuery({ name: 'lon', type: Number })
  async point(@Param('id') raw: string, @Query('lat') lat?: string, @Query('lon') lon?: string) {
    const id = forecastId(raw);
    const la = coord('lat', lat);
    const lo = coord('lon', lon);
    return pointQuery(await this.results.load(id), la, lo);
  }

  @Get(':id/area')
  @ApiQuery({ name: 'bbox', description: 'west,south,east,north (degrees)' })
  async area(@Param('id') raw: string, @Query('bbox') bbox?: string) {
    const id = forecastId(raw);
    const box = parseBbox(bbox ?? '', 'bbox');
    return areaStats(await this.results.load(id), box);
  }
}
