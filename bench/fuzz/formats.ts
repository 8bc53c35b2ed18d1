/**
 * The formats the fuzzer knows. To add one (GRIB, say): write bench/fuzz/<format>.ts exporting a FuzzFormat
 * (its sources relative to the real data, `analyze`, mutators, `read` with epp's reader, and a `reference`
 * such as `grib_dump`/`grib_get_data` from ecCodes), and list it here; `--format <name>` selects it.
 */
import { gribFormat } from './grib.js';
import { netcdfFormat } from './netcdf.js';
import type { FuzzFormat } from './types.js';

export const FORMATS: Record<string, FuzzFormat> = { netcdf: netcdfFormat, grib: gribFormat };
