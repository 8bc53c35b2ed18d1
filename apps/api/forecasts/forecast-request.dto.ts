/**
 * The body of POST /v1/forecasts, as JSON or as multipart form fields (strings, coerced here): shapes and
 * types only; defaults and cross-field rules live in libs/contracts/jobs.ts `normaliseForecastRequest`.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { LAYOUTS, METHODS, PRODUCTS, parseDecimal } from '../../../libs/contracts/jobs.js';

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const num = ({ value }: { value: unknown }) =>
  typeof value === 'string' && !Number.isNaN(parseDecimal(value.trim())) ? parseDecimal(value.trim()) : value;
const list = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (s.startsWith('[')) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return value;
    }
  }
  return s.split(',').map((x) => x.trim());
};
const numList = (v: { value: unknown }): unknown => {
  const l: unknown = list(v);
  return Array.isArray(l)
    ? (l as unknown[]).map((x) =>
        typeof x === 'string' && !Number.isNaN(parseDecimal(x)) ? parseDecimal(x) : x,
      )
    : l;
};

@ValidatorConstraint({ name: 'members' })
class MembersConstraint implements ValidatorConstraintInterface {
  validate(v: unknown): boolean {
    if (typeof v === 'number') return Number.isInteger(v) && v >= 1;
    if (typeof v === 'string') return /^\d+-\d+$/.test(v);
    return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && (x as number) >= 1);
  }
  defaultMessage(): string {
    return 'members must be a count, a range "1-5" or a list of 1-based member positions';
  }
}

export class SourceDto {
  @ApiProperty({ description: 'NetCDF file relative to the data root', example: 'inbox/era5.nc' })
  @IsString()
  path!: string;
}

@ValidatorConstraint({ name: 'analysisVariables' })
class AnalysisVariablesConstraint implements ValidatorConstraintInterface {
  validate(v: unknown): boolean {
    const name = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
    return (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.keys(v).length > 0 &&
      Object.entries(v).every(([k, x]) => name.test(k) && typeof x === 'string' && name.test(x))
    );
  }
  defaultMessage(): string {
    return 'analysis.variables must map model predictors to NetCDF variable names, e.g. {"z": "z_an"}';
  }
}

export class AnalysisDto {
  @ApiPropertyOptional({
    description:
      'analysis file relative to the data root (e.g. an earlier upload inbox/uploads/<sha256>.nc): the model predictors at its levels, on its grid, valid at the initialisation time',
    example: 'inbox/analysis-2020010100.nc',
  })
  @IsOptional()
  @IsString()
  path?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      "the variable holding each predictor's analysis (in `path`, else in the source file); default the predictor names",
    example: { z: 'z_an', t: 't_an' },
  })
  @IsOptional()
  @Validate(AnalysisVariablesConstraint)
  variables?: Record<string, string>;
}

export class ForecastRequestDto {
  @ApiPropertyOptional({
    type: SourceDto,
    description: 'a file under the data root (or upload `file` as multipart)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return { path: value };
    }
  })
  @ValidateNested()
  @Type(() => SourceDto)
  source?: SourceDto;

  @ApiProperty({
    example: 't',
    description:
      'NetCDF variable name, CF standard_name (air_temperature) or an alias (2t, t2m, 10si, tp, …)',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, {
    message: 'variable must be a NetCDF variable name, a standard_name or an alias like 2t',
  })
  variable!: string;

  @ApiPropertyOptional({ example: 850, description: 'pressure level, hPa' })
  @IsOptional()
  @Transform(num)
  @IsNumber()
  level?: number;

  @ApiPropertyOptional({
    description: 'one index on the time/step axis (-1 = the last); default: every time in the file',
  })
  @IsOptional()
  @Transform(num)
  @IsInt()
  @Min(-1)
  time?: number;

  @ApiPropertyOptional({ description: 'one valid time (ISO, UTC)', example: '2017-06-05T15:00:00Z' })
  @IsOptional()
  @IsString()
  @Matches(ISO)
  validTime?: string;

  @ApiPropertyOptional({ description: 'first valid time of a range (ISO, inclusive)' })
  @IsOptional()
  @IsString()
  @Matches(ISO)
  from?: string;

  @ApiPropertyOptional({ description: 'last valid time of a range (ISO, inclusive)' })
  @IsOptional()
  @IsString()
  @Matches(ISO)
  to?: string;

  @ApiPropertyOptional({ type: [Number], description: 'only these lead times (hours)', example: [12] })
  @IsOptional()
  @Transform(numList)
  @IsArray()
  @IsNumber({}, { each: true })
  @Min(0, { each: true })
  leadHours?: number[];

  @ApiPropertyOptional({
    enum: LAYOUTS,
    default: 'cf',
    description: 'cf: a time dimension; improver: one time with scalar time coordinates',
  })
  @IsOptional()
  @IsIn(LAYOUTS)
  layout?: string;

  @ApiPropertyOptional({ enum: METHODS, default: 'raw' })
  @IsOptional()
  @IsIn(METHODS)
  method?: string;

  @ApiPropertyOptional({
    default: 'default',
    description: 'model id (its latest version) or `<id>@<version>` (`default@v2`, `default@bundled`)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(@(v\d{1,9}|bundled))?$/, {
    message: 'model must be a model id like "default", optionally with a version ("default@v2")',
  })
  model?: string;

  @ApiPropertyOptional({
    description:
      'count k (members 1..k), range "1-5" or list of 1-based positions; default 1–5 for mixed, all otherwise',
    oneOf: [{ type: 'integer' }, { type: 'string' }, { type: 'array', items: { type: 'integer' } }],
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    if (/^\d+$/.test(value.trim())) return Number(value);
    if (/^\d+-\d+$/.test(value.trim())) return value.trim();
    return numList({ value });
  })
  @Validate(MembersConstraint)
  members?: number | string | number[];

  @ApiPropertyOptional({ enum: PRODUCTS, isArray: true })
  @IsOptional()
  @Transform(list)
  @IsArray()
  @IsIn(PRODUCTS, { each: true })
  products?: string[];

  @ApiPropertyOptional({ type: [Number], example: [10, 50, 90] })
  @IsOptional()
  @Transform(numList)
  @IsArray()
  @IsNumber({}, { each: true })
  @Min(0, { each: true })
  @Max(100, { each: true })
  percentiles?: number[];

  @ApiPropertyOptional({ type: [Number], example: [273.15] })
  @IsOptional()
  @Transform(numList)
  @IsArray()
  @IsNumber({}, { each: true })
  thresholds?: number[];

  @ApiPropertyOptional({
    type: [Number],
    description: '[west, south, east, north], degrees',
    example: [-30, 30, 40, 75],
  })
  @IsOptional()
  @Transform(numList)
  @IsArray()
  @ArrayMinSize(4)
  @ArrayMaxSize(4)
  @IsNumber({}, { each: true })
  bbox?: number[];

  @ApiPropertyOptional({
    type: AnalysisDto,
    description:
      'mixed only: the analysis at the initialisation that feeds the network (a file and/or variables); without it the subset mean at step 0 stands in, and the product and job result say so',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    try {
      const v = JSON.parse(value) as unknown;
      // A multipart form field is JSON text: parsed, then typed so the nested rules apply.
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? plainToInstance(AnalysisDto, v) : v;
    } catch {
      return value;
    }
  })
  @ValidateNested()
  @Type(() => AnalysisDto)
  analysis?: AnalysisDto;
}

export class TrainRequestDto {
  @ApiProperty({ example: 'mymodel' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'model must be a model id' })
  model!: string;

  @ApiProperty({
    description: 'training archive (testbed folder) relative to the data root',
    example: 'testbed/small',
  })
  @IsString()
  data!: string;

  @ApiPropertyOptional({
    description: 'training options passed to the model pipeline (task, members, variables, epochs)',
  })
  @IsOptional()
  options?: Record<string, string | number | boolean | string[]>;
}
