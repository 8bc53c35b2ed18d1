/**
 * Request and response shapes of /v1/sites (issue 12) for the OpenAPI document. The request classes only
 * whitelist the fields (unknown ones are refused by the validation pipe); types, ranges and defaults are
 * checked by libs/contracts/sites.ts, which also reads the strings of multipart forms.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { SITE_DISTRIBUTIONS, SITE_METHODS } from '../../../libs/contracts/sites.js';
import { JobLinksDto } from '../openapi/schemas.js';

export class SiteFitRequestDto {
  @ApiProperty({
    description:
      'CF timeSeries ensemble forecast `<var>(time, station, realization)`, relative to the data root',
    example: 'inbox/sites/innsbruck-tmin/forecast.nc',
  })
  @Allow()
  forecast!: string;

  @ApiProperty({
    description:
      'observations: CF timeSeries NetCDF or CSV `station_id,time,<var>`, relative to the data root',
    example: 'inbox/sites/innsbruck-tmin/observation.csv',
  })
  @Allow()
  observations!: string;

  @ApiProperty({ example: 'air_temperature', description: 'the NetCDF variable name in both files' })
  @Allow()
  variable!: string;

  @ApiProperty({ enum: SITE_METHODS, example: 'emos' })
  @Allow()
  method!: string;

  @ApiProperty({
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'array', items: { type: 'integer', minimum: 0 } },
    ],
    description: 'the first K members (a count), or a list of realization numbers',
    example: 6,
  })
  @Allow()
  members!: number | number[];

  @ApiPropertyOptional({
    example: '2008-01-01',
    description: 'start of the training period (inclusive, validity time)',
  })
  @Allow()
  trainFrom?: string;

  @ApiProperty({
    example: '2011-01-01',
    description: 'end of the training period (exclusive, validity time)',
  })
  @Allow()
  trainTo!: string;

  @ApiProperty({
    example: 'innsbruck-tmin',
    description: 'model id; the fit is published as its next version (models/<id>/v<N>)',
  })
  @Allow()
  model!: string;

  @ApiPropertyOptional({ enum: SITE_DISTRIBUTIONS, description: 'default: from the standard_name' })
  @Allow()
  distribution?: string;

  @ApiPropertyOptional({ example: true, description: 'emos: annual harmonics (default true)' })
  @Allow()
  seasonal?: boolean;

  @ApiPropertyOptional({
    example: true,
    description: 'use extra forecasts such as `<var>_hres` (default true)',
  })
  @Allow()
  extras?: boolean;

  @ApiPropertyOptional({
    description: 'emos: per-station coefficients (default: when every station has ≥ 60 pairs)',
  })
  @Allow()
  perStation?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 20, description: 'drn: networks averaged (default 5)' })
  @Allow()
  seeds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, description: 'drn: maximum epochs' })
  @Allow()
  epochs?: number;
}

export class SitePredictRequestDto {
  @ApiPropertyOptional({
    description:
      'CF timeSeries ensemble forecast relative to the data root (JSON; multipart sends `file` instead)',
    example: 'inbox/sites/innsbruck-tmin/forecast.nc',
  })
  @Allow()
  forecast?: string;

  @ApiProperty({ example: 'innsbruck-tmin', description: 'site model id (its latest version) or `id@v<N>`' })
  @Allow()
  model!: string;

  @ApiPropertyOptional({ example: '2012-01-01', description: 'first validity time (inclusive)' })
  @Allow()
  from?: string;

  @ApiPropertyOptional({ example: '2012-03-01', description: 'end validity time (exclusive)' })
  @Allow()
  to?: string;

  @ApiPropertyOptional({
    type: [Number],
    example: [0],
    description: 'exceedance thresholds (default: precipitation 0.1, 1, 5, 10; temperature freezing)',
  })
  @Allow()
  thresholds?: number[];
}

export class SitePredictUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'the CF timeSeries forecast file' })
  file!: unknown;
  @ApiProperty({ example: 'innsbruck-tmin' })
  model!: string;
  @ApiPropertyOptional({ example: '2012-01-01' })
  from?: string;
  @ApiPropertyOptional({ example: '2012-03-01' })
  to?: string;
  @ApiPropertyOptional({ example: '0,5', description: 'comma-separated numbers' })
  thresholds?: string;
}

export class SiteFileUploadDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'a CF timeSeries NetCDF file, or observations as CSV',
  })
  file!: unknown;
  @ApiProperty({ enum: ['forecast', 'observations'], example: 'forecast' })
  role!: string;
  @ApiProperty({ example: 'air_temperature' })
  variable!: string;
}

class SiteTimesDto {
  @ApiProperty({ example: 2400 })
  count!: number;
  @ApiProperty({ nullable: true, type: String, example: '2000-01-02T06:00:00.000Z' })
  first!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '2013-12-29T06:00:00.000Z' })
  last!: string | null;
}

export class SiteFileDto {
  @ApiProperty({
    example: 'inbox/uploads/sites/3f1c…e9.nc',
    description: 'where the file is stored (by content hash); name it in a fit or prediction request',
  })
  path!: string;
  @ApiProperty({ example: '3f1c…e9' })
  sha256!: string;
  @ApiProperty({ description: 'false when the same content was stored before', example: true })
  created!: boolean;
  @ApiProperty({ enum: ['forecast', 'observations'] })
  role!: string;
  @ApiProperty({ example: 'air_temperature' })
  variable!: string;
  @ApiProperty({ example: 'degC' })
  units!: string;
  @ApiProperty({ type: [String], example: ['11120'] })
  stations!: string[];
  @ApiProperty({ type: SiteTimesDto })
  times!: SiteTimesDto;
  @ApiPropertyOptional({
    type: [Number],
    example: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    description: 'forecasts',
  })
  members?: number[];
  @ApiPropertyOptional({ type: [String], example: [], description: 'forecasts: extra predictors' })
  extras?: string[];
}

export class SiteJobAcceptedDto {
  @ApiProperty({
    example: 'sp-0123456789abcdef01234567',
    description: 'sf-… (fit) or sp-… (prediction); deterministic',
  })
  id!: string;
  @ApiProperty({ enum: ['queued', 'active', 'completed', 'failed', 'cancelled'], example: 'queued' })
  state!: string;
  @ApiProperty({ description: 'false when an identical job already existed', example: true })
  created!: boolean;
  @ApiProperty({ type: JobLinksDto })
  links!: JobLinksDto;
  @ApiPropertyOptional({ example: 'innsbruck-tmin@v1', description: 'predictions: the model version used' })
  model?: string;
}

class SitePredictSummaryDto {
  @ApiProperty({ example: 'air_temperature' })
  variable!: string;
  @ApiProperty({ example: 'degC' })
  units!: string;
  @ApiProperty({ example: 'normal' })
  distribution!: string;
  @ApiProperty({ example: 'innsbruck-tmin@v1' })
  model!: string;
  @ApiProperty({ example: 'd4b5…' })
  modelHash!: string;
  @ApiProperty({ enum: SITE_METHODS })
  method!: string;
  @ApiProperty({ type: [Number], example: [0, 1, 2, 3, 4, 5] })
  members!: number[];
  @ApiProperty({ type: [String], example: ['11120'] })
  stations!: string[];
  @ApiProperty({ example: '2012-02-29T06:00:00.000Z', description: 'the last validity time predicted' })
  validTime!: string;
  @ApiProperty({ type: [String] })
  validTimes!: string[];
  @ApiProperty({ type: [Number], example: [0] })
  thresholds!: number[];
  @ApiProperty({ example: 36, description: '(time, station) cells predicted' })
  predicted!: number;
  @ApiProperty({ example: 120 })
  durationMs!: number;
}

class SiteOutputsDto {
  @ApiProperty({ example: 'outputs/sp-0123456789abcdef01234567/prediction.nc' })
  nc!: string;
  @ApiProperty({ example: 'outputs/sp-0123456789abcdef01234567/result.json' })
  json!: string;
}

export class SitePredictionResultDto {
  @ApiProperty({ example: 'sp-0123456789abcdef01234567' })
  id!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the normalised request' })
  request!: Record<string, unknown>;
  @ApiProperty({ type: SiteOutputsDto })
  outputs!: SiteOutputsDto;
  @ApiProperty({ type: SitePredictSummaryDto })
  summary!: SitePredictSummaryDto;
}

class StationDto {
  @ApiProperty({ example: '11120' })
  id!: string;
  @ApiProperty({ nullable: true, type: Number, example: 47.26 })
  latitude!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 11.35 })
  longitude!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 579 })
  altitude!: number | null;
}

class StationProbabilityDto {
  @ApiProperty({ example: 0 })
  threshold!: number;
  @ApiProperty({
    type: [Number],
    nullable: true,
    description: 'P(value > threshold) per time (null: missing)',
  })
  above!: (number | null)[];
}

export class StationSeriesDto {
  @ApiProperty({ type: StationDto })
  station!: StationDto;
  @ApiProperty({ example: 'air_temperature' })
  variable!: string;
  @ApiProperty({ example: 'degC' })
  units!: string;
  @ApiProperty({ type: [String], description: 'validity times (ISO)' })
  times!: string[];
  @ApiProperty({ type: [Number], nullable: true })
  mean!: (number | null)[];
  @ApiProperty({ type: [Number], nullable: true })
  std!: (number | null)[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'number', nullable: true } },
    description: 'percentile (%) → value per time',
    example: { '10': [-3.1], '50': [-1.2], '90': [0.8] },
  })
  percentiles!: Record<string, (number | null)[]>;
  @ApiProperty({ type: [StationProbabilityDto] })
  probabilities!: StationProbabilityDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'the `epp_*` attributes of the prediction file: method, members, training period, model hash',
  })
  provenance!: Record<string, string | number>;
}
