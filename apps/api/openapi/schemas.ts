/**
 * Response (and documented request) shapes of the REST API, as classes the OpenAPI document is generated
 * from (@nestjs/swagger reads their decorators). They describe what the controllers return; validation of
 * request bodies stays in the request DTOs and libs/contracts.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { METHODS, PRODUCTS, QUEUES } from '../../../libs/contracts/jobs.js';

const QUEUE_NAMES = Object.values(QUEUES);
export const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;

export class ErrorDetailDto {
  @ApiProperty({ example: 'INVALID_ARGUMENT', description: 'stable machine-readable code' })
  code!: string;
  @ApiProperty({
    example: 'lat must be a number',
    description: 'one line naming the field and what is wrong',
  })
  message!: string;
}

export class ErrorDto {
  @ApiProperty({ type: ErrorDetailDto })
  error!: ErrorDetailDto;
}

export class JobLinksDto {
  @ApiProperty({ example: '/v1/jobs/fc-0123456789abcdef' })
  self!: string;
  @ApiProperty({ example: '/v1/jobs/fc-0123456789abcdef/events' })
  events!: string;
  @ApiPropertyOptional({ example: '/v1/forecasts/fc-0123456789abcdef/result.nc' })
  nc?: string;
  @ApiPropertyOptional({ example: '/v1/forecasts/fc-0123456789abcdef/result.json' })
  json?: string;
  @ApiPropertyOptional({ example: '/v1/forecasts/fc-0123456789abcdef/point?lat={lat}&lon={lon}' })
  point?: string;
  @ApiPropertyOptional({
    example: '/v1/forecasts/fc-0123456789abcdef/area?bbox={west},{south},{east},{north}',
  })
  area?: string;
  @ApiPropertyOptional({
    example: '/v1/sites/predictions/sp-0123456789abcdef01234567/stations/{station}',
    description: 'site predictions: one station as JSON',
  })
  station?: string;
}

export class JobAcceptedDto {
  @ApiProperty({
    example: 'fc-0123456789abcdef',
    description: 'deterministic: the same request gives the same id',
  })
  id!: string;
  @ApiProperty({ enum: JOB_STATES, example: 'queued' })
  state!: string;
  @ApiProperty({ description: 'false when an identical job already existed', example: true })
  created!: boolean;
  @ApiProperty({ type: JobLinksDto })
  links!: JobLinksDto;
  @ApiPropertyOptional({ example: '/v1/reports/rp-0123456789abcdef', description: 'report jobs only' })
  report?: string;
}

class MinMaxAvgDto {
  @ApiProperty({ example: 250.1 })
  min!: number;
  @ApiProperty({ example: 290.3 })
  max!: number;
  @ApiProperty({ example: 271.4 })
  avg!: number;
}

class GridSummaryDto {
  @ApiProperty({ example: 61 })
  ny!: number;
  @ApiProperty({ example: 120 })
  nx!: number;
  @ApiProperty({ type: [Number], example: [30, 90] })
  latitude!: number[];
  @ApiProperty({ type: [Number], example: [-30, 59.25] })
  longitude!: number[];
}

export class ForecastSummaryDto {
  @ApiProperty({ example: 't' })
  variable!: string;
  @ApiPropertyOptional({ example: 850 })
  level?: number;
  @ApiProperty({ enum: METHODS, example: 'raw' })
  method!: string;
  @ApiPropertyOptional({ example: 'default' })
  model?: string;
  @ApiProperty({ type: [Number], example: [1, 2, 3, 4, 5] })
  members!: number[];
  @ApiProperty({ example: '2017-01-01T12:00:00.000Z', description: 'the last valid time written' })
  validTime!: string;
  @ApiProperty({ type: [String], example: ['2017-01-01T12:00:00.000Z'], description: 'every valid time' })
  validTimes!: string[];
  @ApiProperty({ example: 'K' })
  units!: string;
  @ApiProperty({ type: GridSummaryDto })
  grid!: GridSummaryDto;
  @ApiProperty({ type: MinMaxAvgDto })
  mean!: MinMaxAvgDto;
  @ApiProperty({ type: MinMaxAvgDto })
  std!: MinMaxAvgDto;
  @ApiProperty({ example: 412 })
  durationMs!: number;
}

export class ProductInfoDto {
  @ApiProperty({ example: 'air_temperature_mean' })
  name!: string;
  @ApiProperty({ enum: [...PRODUCTS, 'probabilities_below'], example: 'mean' })
  kind!: string;
  @ApiProperty({ type: [String], example: ['latitude', 'longitude'] })
  dims!: string[];
  @ApiProperty({ type: [Number], example: [61, 120] })
  shape!: number[];
  @ApiProperty({ example: 'K' })
  units!: string;
  @ApiPropertyOptional({ type: [Number], description: 'percentiles or thresholds of this product' })
  coordinate?: number[];
}

class ForecastOutputsDto {
  @ApiProperty({ example: 'outputs/fc-0123456789abcdef/result.nc' })
  nc!: string;
  @ApiProperty({ example: 'outputs/fc-0123456789abcdef/result.json' })
  json!: string;
}

/** result.json and the `result` of a completed forecast job. */
export class ForecastResultDto {
  @ApiProperty({ type: ForecastOutputsDto, description: 'paths relative to the data root' })
  outputs!: ForecastOutputsDto;
  @ApiProperty({ type: ForecastSummaryDto })
  summary!: ForecastSummaryDto;
  @ApiProperty({ type: [ProductInfoDto] })
  products!: ProductInfoDto[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    description: 'what made the product (the epp_* attributes of result.nc)',
    example: { method: 'emos', members: '0,1,2', model: 'default', input_file: 'era5.nc' },
  })
  provenance?: Record<string, string | number>;
}

export class JobErrorDto {
  @ApiProperty({ example: 'NOT_FOUND_IN_FILE' })
  code!: string;
  @ApiProperty({ example: 'variable q is not in inbox/era5.nc' })
  message!: string;
}

export class JobViewDto {
  @ApiProperty({ example: 'fc-0123456789abcdef' })
  id!: string;
  @ApiProperty({ enum: QUEUE_NAMES, example: 'forecast' })
  type!: string;
  @ApiProperty({ enum: JOB_STATES, example: 'completed' })
  state!: string;
  @ApiProperty({ minimum: 0, maximum: 1, example: 1 })
  progress!: number;
  @ApiProperty({ example: 1 })
  attempts!: number;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T19:00:00.000Z' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-12-01T19:00:00.100Z' })
  startedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-12-01T19:00:01.000Z' })
  finishedAt!: string | null;
  @ApiProperty({ type: JobErrorDto, nullable: true, description: 'set when the job failed' })
  error!: JobErrorDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'set when the job completed: a ForecastResult for forecast jobs; the model id, version and path for train jobs; outputs for report jobs; the run summary for batches',
  })
  result!: Record<string, unknown> | null;
  @ApiProperty({ type: JobLinksDto })
  links!: JobLinksDto;
}

export class JobListDto {
  @ApiProperty({ type: [JobViewDto] })
  jobs!: JobViewDto[];
  @ApiProperty({ example: 1, description: 'jobs matching the filter' })
  total!: number;
  @ApiProperty({ example: 0 })
  offset!: number;
  @ApiProperty({ example: 50 })
  limit!: number;
}

export class JobDeletedDto {
  @ApiProperty({ example: 'fc-0123456789abcdef' })
  id!: string;
  @ApiProperty({ enum: ['cancelled', 'deleted'], example: 'deleted' })
  outcome!: string;
}

class LatLonDto {
  @ApiProperty({ example: 51.5 })
  lat!: number;
  @ApiProperty({ example: 0 })
  lon!: number;
}

export class PointSeriesDto {
  @ApiProperty({ enum: [...PRODUCTS, 'probabilities_below'], example: 'mean' })
  kind!: string;
  @ApiProperty({ example: 'K' })
  units!: string;
  @ApiPropertyOptional({ type: [Number], nullable: true, description: 'one value per time' })
  values?: (number | null)[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'number', nullable: true } },
    description: 'per percentile/threshold/member: one value per time',
  })
  byCoordinate?: Record<string, (number | null)[]>;
}

export class PointResultDto {
  @ApiProperty({ example: 'fc-0123456789abcdef' })
  id!: string;
  @ApiProperty({ example: 't' })
  variable!: string;
  @ApiProperty({ example: 'K' })
  units!: string;
  @ApiProperty({ example: '2017-01-01T12:00:00.000Z' })
  validTime!: string;
  @ApiProperty({ type: LatLonDto })
  requested!: LatLonDto;
  @ApiProperty({ type: LatLonDto, description: 'the nearest grid point' })
  gridPoint!: LatLonDto;
  @ApiProperty({ enum: ['nearest', 'bilinear'], example: 'bilinear' })
  interp!: string;
  @ApiProperty({
    type: [String],
    description: 'valid times of the series',
    example: ['2017-01-01T12:00:00.000Z'],
  })
  times!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/PointSeriesDto' },
    description: 'per product variable: its values per time (or per percentile/threshold per time)',
  })
  series!: Record<string, PointSeriesDto>;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 281.2 })
  mean?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 1.3 })
  std?: number | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'value per percentile',
    example: { '10': 279.6, '50': 281.2, '90': 282.9 },
  })
  percentiles?: Record<string, number | null>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'probability of exceeding each threshold',
    example: { '273.15': 0.98 },
  })
  probabilities?: Record<string, number | null>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'probability of falling below each threshold',
    example: { '273.15': 0.02 },
  })
  probabilitiesBelow?: Record<string, number | null>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'value per reconstructed member',
  })
  realizations?: Record<string, number | null>;
}

export class AreaStatDto {
  @ApiProperty({ type: Number, nullable: true, example: 250.1 })
  min!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 290.3 })
  max!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 271.4, description: 'cos(latitude)-weighted mean' })
  mean!: number | null;
}

export class AreaResultDto {
  @ApiProperty({ example: 'fc-0123456789abcdef' })
  id!: string;
  @ApiProperty({ example: 't' })
  variable!: string;
  @ApiProperty({ example: 'K' })
  units!: string;
  @ApiProperty({ type: [Number], example: [-10, 40, 10, 60] })
  bbox!: number[];
  @ApiProperty({ example: 1200 })
  points!: number;
  @ApiProperty({ example: 'cos(latitude)', description: 'area weights of the mean' })
  weights!: string;
  @ApiProperty({ type: [String], example: ['2017-01-01T12:00:00.000Z'] })
  times!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'per product variable: statistics per time (or per percentile/threshold per time)',
  })
  series!: Record<string, unknown>;
  @ApiPropertyOptional({ type: AreaStatDto })
  mean?: AreaStatDto;
  @ApiPropertyOptional({ type: AreaStatDto })
  std?: AreaStatDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/AreaStatDto' },
    description: 'statistics per percentile',
  })
  percentiles?: Record<string, AreaStatDto>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/AreaStatDto' },
    description: 'statistics per threshold',
  })
  probabilities?: Record<string, AreaStatDto>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/AreaStatDto' },
    description: 'statistics of P(below) per threshold',
  })
  probabilitiesBelow?: Record<string, AreaStatDto>;
}

export class SiteModelSummaryDto {
  @ApiProperty({ example: 'emos', enum: ['emos', 'drn'] })
  method!: string;
  @ApiProperty({ example: 'normal', nullable: true, type: String, description: 'predictive distribution' })
  family!: string | null;
  @ApiProperty({ example: 'air_temperature' })
  variable!: string;
  @ApiProperty({ example: 'K', nullable: true, type: String })
  units!: string | null;
  @ApiProperty({ type: [Number], example: [0, 1, 2, 3, 4, 5], description: 'realizations used' })
  members!: number[];
  @ApiProperty({
    example: 11,
    nullable: true,
    type: Number,
    description: 'realizations in the training file',
  })
  membersInFile!: number | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'start of the training period',
  })
  trainFrom!: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'end of the training period',
  })
  trainTo!: string | null;
  @ApiProperty({ example: 1, description: 'stations the model covers' })
  stations!: number;
  @ApiProperty({
    example: 1096,
    nullable: true,
    type: Number,
    description: '(forecast, observation) pairs fitted on',
  })
  pairs!: number | null;
}

/** What a model version holds (a model lists its latest version's). */
abstract class ModelContentsDto {
  @ApiProperty({ enum: ['mixed', 'emos', 'site'], isArray: true, example: ['mixed', 'emos'] })
  kinds!: string[];
  @ApiProperty({ type: [String], example: ['t850', 'z500'], description: 'EMOS coefficient sets' })
  emos!: string[];
  @ApiProperty({
    type: SiteModelSummaryDto,
    nullable: true,
    description:
      'the site (station) model of this version, kind `site` (POST /v1/sites/models, `epp sites fit`)',
  })
  site!: SiteModelSummaryDto | null;
}

export class ModelVersionDto extends ModelContentsDto {
  @ApiProperty({
    example: 'v2',
    description: '`v<N>` in the data root (v0 = a flat model folder) or `bundled`',
  })
  version!: string;
  @ApiProperty({ example: true, description: 'the version a bare model id resolves to' })
  latest!: boolean;
  @ApiProperty({
    example: 'data',
    enum: ['data', 'bundled'],
    description: 'data root or shipped with the install',
  })
  source!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'training data fingerprint (manifest.trainingData)',
  })
  trainingData!: Record<string, unknown> | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'test scores by split (manifest.scores)',
  })
  scores!: Record<string, unknown> | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  createdAt?: string | null;
}

export class ModelDto extends ModelContentsDto {
  @ApiProperty({ example: 'default' })
  id!: string;
  @ApiProperty({ example: 'bundled', enum: ['data', 'bundled'], description: 'where the model was found' })
  source!: string;
  @ApiProperty({
    example: 'v2',
    description: 'the version in use (latest); a forecast names another as `model: "<id>@<version>"`',
  })
  version!: string;
  @ApiProperty({ type: [ModelVersionDto] })
  versions!: ModelVersionDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'manifest.json of the version in use (config, grid, checksums, training data, history, scores)',
  })
  manifest!: Record<string, unknown> | null;
}

export class ModelListDto {
  @ApiProperty({ type: [ModelDto] })
  models!: ModelDto[];
}

class DimensionDto {
  @ApiProperty({ example: 'latitude' })
  name!: string;
  @ApiProperty({ example: 61 })
  size!: number;
}

class DatasetVariableDto {
  @ApiProperty({ example: 't' })
  name!: string;
  @ApiProperty({ type: [String], example: ['number', 'level', 'latitude', 'longitude'] })
  dims!: string[];
  @ApiProperty({ type: [Number], example: [10, 2, 61, 120] })
  shape!: number[];
  @ApiProperty({ type: String, nullable: true, example: 'K' })
  units!: string | null;
}

export class DatasetDto {
  @ApiProperty({ example: 'inbox/era5.nc' })
  path!: string;
  @ApiProperty({ example: 1048576 })
  size!: number;
  @ApiPropertyOptional({ example: 'nc3-64bit' })
  format?: string;
  @ApiPropertyOptional({ type: [DimensionDto] })
  dimensions?: DimensionDto[];
  @ApiPropertyOptional({ type: [DatasetVariableDto] })
  variables?: DatasetVariableDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  memberAxis?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: ErrorDetailDto, description: 'set when the file cannot be read' })
  error?: ErrorDetailDto;
}

export class DatasetListDto {
  @ApiProperty({ type: [DatasetDto] })
  datasets!: DatasetDto[];
}

export class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    example: 'ok',
    description: 'all that is shown without an API key',
  })
  status!: string;
  @ApiPropertyOptional({ example: 'no workers', description: 'with an API key, when degraded' })
  reason?: string;
  @ApiPropertyOptional({
    example: '0.1.0',
    description: 'with an API key: the service version (package.json)',
  })
  version?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'with an API key' })
  time?: string;
}

export class BatchSummaryDto {
  @ApiProperty({ example: 'ba-0123456789abcdef' })
  id!: string;
  @ApiProperty({ example: 'completed' })
  status!: string;
  @ApiProperty({ example: '2016-02-20' })
  date!: string;
  @ApiProperty({ example: 'api' })
  trigger!: string;
  @ApiProperty({ type: String, nullable: true })
  startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  finishedAt!: string | null;
  @ApiProperty({ example: 12 })
  jobs!: number;
  @ApiProperty({
    example: 0,
    description: '(file, target)s left unprocessed: failed jobs no fallback method replaced',
  })
  failed!: number;
  @ApiProperty({ example: 1, description: 'failed jobs redone with the next method (mixed → emos → raw)' })
  fellBack!: number;
  @ApiProperty({ example: 4 })
  verified!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { self: '/v1/batches/ba-0' },
  })
  links!: Record<string, string>;
}

export class BatchListDto {
  @ApiProperty({ type: [BatchSummaryDto] })
  batches!: BatchSummaryDto[];
}

export class BatchRunDto {
  @ApiProperty({ example: 'ba-0123456789abcdef' })
  id!: string;
  @ApiProperty({ example: 'completed' })
  status!: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'jobs of the run',
  })
  jobs!: Record<string, unknown>[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'verifications',
  })
  verifications!: Record<string, unknown>[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'scores of the run',
  })
  scores!: Record<string, unknown>[];
}

export class BatchStartDto {
  @ApiPropertyOptional({ example: '2016-02-20', description: 'as-of day, YYYY-MM-DD (default: today, UTC)' })
  date?: string;
}

export class ReportRequestDto {
  @ApiPropertyOptional({
    enum: ['grid', 'sites'],
    default: 'grid',
    description:
      '`grid`: a gridded case study; `sites`: the most extreme observed days of a station archive (EMOS and DRN fitted in the job without each event’s year; no model, event, bbox, leadHours or threshold)',
  })
  kind?: string;
  @ApiProperty({
    example: 'testbed/small',
    description:
      'folder under the data root with forecasts/ (or history/) and truth/; for `sites`: with forecast.nc and observation.csv (or .nc)',
  })
  data!: string;
  @ApiProperty({ example: 't850' })
  variable!: string;
  @ApiPropertyOptional({ example: 'emos', description: '`emos` (default) or a model id; grid reports only' })
  model?: string;
  @ApiPropertyOptional({
    example: 5,
    minimum: 1,
    maximum: 20,
    description: 'sites: number of events (default 5)',
  })
  events?: number;
  @ApiPropertyOptional({
    enum: ['max', 'min'],
    description: 'sites: heaviest (max, default for precipitation) or lowest (min) observed days',
  })
  extreme?: string;
  @ApiPropertyOptional({
    example: 5,
    minimum: 1,
    maximum: 30,
    description: 'sites: days shown on each side of an event',
  })
  windowDays?: number;
  @ApiPropertyOptional({ example: 'Cyclone Ulla-TB', description: 'a labelled event of a testbed manifest' })
  event?: string;
  @ApiPropertyOptional({
    type: [Number],
    example: [-30, 30, 40, 75],
    description: '[west, south, east, north]',
  })
  bbox?: number[];
  @ApiPropertyOptional({ example: '2016-02-10' })
  from?: string;
  @ApiPropertyOptional({ example: '2016-02-14' })
  to?: string;
  @ApiPropertyOptional({ example: 5 })
  members?: number;
  @ApiPropertyOptional({ example: 48 })
  leadHours?: number;
  @ApiPropertyOptional({ example: 273.15 })
  threshold?: number;
  @ApiPropertyOptional({ default: true })
  pdf?: boolean;
  @ApiPropertyOptional({ example: 'Cyclone Ulla' })
  title?: string;
}

class ReportLinksDto {
  @ApiProperty({ example: '/v1/reports/rp-0123456789abcdef' })
  self!: string;
  @ApiProperty({ example: '/v1/jobs/rp-0123456789abcdef' })
  job!: string;
  @ApiPropertyOptional({ example: '/v1/reports/rp-0123456789abcdef/report.html' })
  'report.html'?: string;
  @ApiPropertyOptional({ example: '/v1/reports/rp-0123456789abcdef/report.pdf' })
  'report.pdf'?: string;
  @ApiPropertyOptional({ example: '/v1/reports/rp-0123456789abcdef/scores.json' })
  'scores.json'?: string;
}

export class ReportViewDto extends JobViewDto {
  @ApiProperty({ type: ReportLinksDto })
  declare links: JobLinksDto;
}

export class ForecastUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'an ensemble NetCDF file' })
  file!: unknown;
  @ApiProperty({ example: 't' })
  variable!: string;
  @ApiPropertyOptional({ example: 850 })
  level?: number;
  @ApiPropertyOptional({ enum: METHODS })
  method?: string;
  @ApiPropertyOptional({ example: 'default' })
  model?: string;
  @ApiPropertyOptional({ example: '1-5', description: 'count, range or comma-separated list' })
  members?: string;
  @ApiPropertyOptional({ example: 'mean,std,percentiles' })
  products?: string;
  @ApiPropertyOptional({ example: '10,50,90' })
  percentiles?: string;
  @ApiPropertyOptional({ example: '273.15' })
  thresholds?: string;
  @ApiPropertyOptional({ example: '-30,30,40,75' })
  bbox?: string;
  @ApiPropertyOptional({
    example: '{"path":"inbox/analysis.nc"}',
    description: 'mixed only: the analysis as JSON text (see ForecastRequestDto.analysis)',
  })
  analysis?: string;
}
