/** Write a whole NetCDF file from a FileSpec, atomically (temp file in the same folder, then rename). */
import { renameSync, rmSync } from 'node:fs';
import { FileAccessError, InvalidArgumentError, EppError } from '../contracts/errors.js';
import { NC3_TYPES, writeNc3 } from './nc3Write.js';
import { NC4_TYPES, writeNc4 } from './nc4Write.js';
import { validateSpec } from './spec.js';
import type { FileSpec } from './types.js';

export interface WriteOptions {
  /** `nc3`: netCDF-3 64-bit offset (default); `nc4`: netCDF-4/HDF5 with zlib-compressed variables. */
  format?: 'nc3' | 'nc4';
}

export async function writeNetcdf(path: string, spec: FileSpec, options: WriteOptions = {}): Promise<void> {
  const format = options.format ?? 'nc3';
  if (format !== 'nc3' && format !== 'nc4')
    throw new InvalidArgumentError(`${path}: unknown format '${String(format)}' (nc3 or nc4)`);
  validateSpec(path, spec, format === 'nc3' ? NC3_TYPES : NC4_TYPES);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    if (format === 'nc3') writeNc3(tmp, spec);
    else await writeNc4(tmp, spec);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof EppError) throw err;
    throw new FileAccessError(`${path}: cannot write (${(err as Error).message})`, { cause: err });
  }
}
