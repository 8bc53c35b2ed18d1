/** The committed NetCDF fixtures (scripts/fixtures/make_netcdf_fixtures.py) and xarray's decoded values. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURE_DIR = path.resolve('test/fixtures/netcdf');
export const FORMATS = ['classic', '64bit', 'nc4', 'nc4classic'] as const;
export type FixtureFormat = (typeof FORMATS)[number];

export interface ExpectedVariable {
  dims: string[];
  shape: number[];
  dtype: string;
  values: (number | null)[];
}

export function fixturePath(format: FixtureFormat): string {
  return path.join(FIXTURE_DIR, `fixture-${format}.nc`);
}

export function expectedValues(format: FixtureFormat): Record<string, ExpectedVariable> {
  const text = readFileSync(path.join(FIXTURE_DIR, `fixture-${format}.xarray.json`), 'utf8');
  return (JSON.parse(text) as { variables: Record<string, ExpectedVariable> }).variables;
}

/** NaN-aware exact comparison; returns the first mismatch as text, or null. */
export function firstMismatch(actual: ArrayLike<number>, expected: (number | null)[]): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === null ? !Number.isNaN(a) : a !== e) return `index ${i}: ${a} != ${e}`;
  }
  return null;
}
