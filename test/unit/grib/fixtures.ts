import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EppError } from '../../../libs/contracts/errors.js';
import type { GribField } from '../../../libs/grib/types.js';
import { openDataset } from '../../../libs/netcdf/open.js';

export const GRIB_FIXTURES = path.join(process.cwd(), 'test/fixtures/grib');

export interface RefMessage {
  keys: Record<string, string | number>;
  count: number;
  missing: number;
  sum: number;
  min: number | null;
  max: number | null;
  index: number[];
  values: (number | null)[];
  latitudes: number[];
  longitudes: number[];
}

/** ecCodes' decode of every fixture, written by scripts/fixtures/make_grib_fixtures.py. */
export const REFERENCE = JSON.parse(
  readFileSync(path.join(GRIB_FIXTURES, 'eccodes-reference.json'), 'utf8'),
) as { eccodes: string; files: Record<string, RefMessage[]> };

export function fixture(name: string): string {
  return path.join(GRIB_FIXTURES, name);
}

/** ecCodes packingType of a field. */
export function packingType(f: GribField): string {
  return (
    {
      0: 'grid_simple',
      2: 'grid_complex',
      3: 'grid_complex_spatial_differencing',
      4: 'grid_ieee',
      40: 'grid_jpeg',
      41: 'grid_png',
      42: 'grid_ccsds',
    }[f.data.template] ?? `template ${f.data.template}`
  );
}

/**
 * Allowed difference from ecCodes' double: half the packing's precision (2^E·10^−D / 2), or half a float32
 * ulp of the value where that is larger (epp's arrays are float32), plus the 11 digits grib_get_data prints.
 */
export function tolerance(f: GribField, v: number): number {
  const prec = 2 ** f.data.binaryScale * 10 ** -f.data.decimalScale;
  return Math.max(prec / 2, Math.abs(v) * 2 ** -24) + Math.abs(v) * 1e-10;
}

export function haveEccodes(): boolean {
  try {
    execFileSync('grib_get_data', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** All values of every message as ecCodes decodes them (one grib_get_data run), NaN for missing. */
export function eccodesValues(file: string): Float64Array[] {
  const txt = execFileSync('grib_get_data', ['-m', 'NaN', '-F', '%.10e', file], {
    maxBuffer: 1 << 30,
  }).toString();
  const out: number[][] = [];
  for (const line of txt.split('\n')) {
    if (/^\s*Latitude/.test(line)) out.push([]);
    else if (line.trim()) out[out.length - 1].push(Number(line.trim().split(/\s+/)[2]));
  }
  return out.map((v) => Float64Array.from(v));
}

/**
 * Open `file`, read every variable (every field decoded) and return the error it fails with, which must be
 * a `kind` (default any EppError), one line, naming the file first.
 */
export async function readFailure(
  file: string,
  kind: abstract new (...args: never[]) => EppError = EppError,
): Promise<EppError> {
  try {
    const ds = await openDataset(file);
    try {
      for (const v of ds.variables) ds.readVariable(v.name);
    } finally {
      ds.close();
    }
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    const e = err as EppError;
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(file)).toBe(true);
    return e;
  }
  throw new Error(`${file} was read without error`);
}
