import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CorruptNetcdfError,
  EppError,
  FileAccessError,
  InvalidNetcdfError,
  NotFoundInFileError,
  SliceOutOfRangeError,
} from '../../../libs/contracts/errors.js';
import { loadH5wasm } from '../../../libs/netcdf/nc4Store.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { fixturePath } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-badnc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function openError(file: string): Promise<EppError> {
  try {
    (await openDataset(file)).close();
  } catch (err) {
    expect(err).toBeInstanceOf(EppError);
    return err as EppError;
  }
  throw new Error(`${file} opened without error`);
}

describe('bad input gives typed errors that name the file', () => {
  test.each(['classic', '64bit'] as const)(
    'truncated netCDF-3 (%s) → InvalidNetcdfError before data is read',
    async (f) => {
      const bytes = readFileSync(fixturePath(f));
      const file = path.join(dir, `trunc-${f}.nc`);
      writeFileSync(file, bytes.subarray(0, bytes.length - 100));
      const err = await openError(file);
      expect(err).toBeInstanceOf(InvalidNetcdfError);
      expect(err.code).toBe('INVALID_NETCDF');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/truncated/);
    },
  );

  test('netCDF-3 cut inside its header → CorruptNetcdfError naming the header field and its offset', async () => {
    const file = path.join(dir, 'header-cut.nc');
    writeFileSync(file, readFileSync(fixturePath('classic')).subarray(0, 60));
    const err = await openError(file);
    expect(err).toBeInstanceOf(CorruptNetcdfError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(
      /corrupt netCDF-3 header \(.+\) at byte \d+: needs \d+ bytes, the file ends at byte 60/,
    );
  });

  test.each(['nc4', 'nc4classic'] as const)('truncated netCDF-4 (%s) → InvalidNetcdfError', async (f) => {
    const bytes = readFileSync(fixturePath(f));
    const file = path.join(dir, `trunc-${f}.nc`);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    let err: unknown;
    try {
      const ds = await openDataset(file);
      // HDF5 may open a file whose metadata sits in the first half; then reading the data must fail typed.
      for (const v of ds.variables) if (v.dtype !== 'char') ds.readVariable(v.name);
      ds.close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidNetcdfError);
    expect((err as Error).message).toContain(file);
  });

  test('a text file → InvalidNetcdfError "is not a NetCDF file"', async () => {
    const file = path.join(dir, 'notes.nc');
    writeFileSync(file, 'temperature,12.5\n');
    const err = await openError(file);
    expect(err).toBeInstanceOf(InvalidNetcdfError);
    expect(err.message).toBe(`${file} is not a NetCDF file (starts with "temperat", expected CDF or HDF5)`);
  });

  test('an empty file and a missing file', async () => {
    const empty = path.join(dir, 'empty.nc');
    writeFileSync(empty, '');
    expect(await openError(empty)).toBeInstanceOf(InvalidNetcdfError);
    const missing = await openError(path.join(dir, 'nope.nc'));
    expect(missing).toBeInstanceOf(FileAccessError);
    expect(missing.message).toContain('ENOENT');
  });

  test('a plain HDF5 file (no dimension scales) → "is HDF5 but not netCDF-4"', async () => {
    const h5 = await loadH5wasm();
    const file = path.join(dir, 'plain.h5');
    const f = new h5.File(file, 'w');
    f.create_dataset({ name: 'values', data: new Float32Array([1, 2, 3]), shape: [3] });
    f.close();
    const err = await openError(file);
    expect(err).toBeInstanceOf(InvalidNetcdfError);
    expect(err.message).toMatch(new RegExp(`^${file} is HDF5 but not netCDF-4`));
  });

  test('a missing variable → NotFoundInFileError listing what the file has', async () => {
    const ds = await openDataset(fixturePath('nc4'));
    try {
      expect(() => ds.readVariable('t2m')).toThrow(NotFoundInFileError);
      expect(() => ds.readVariable('t2m')).toThrow(/no variable 't2m'; the file has: .*\bt\b.*\bq\b/);
    } finally {
      ds.close();
    }
  });

  test.each(['classic', 'nc4'] as const)('an out-of-range slice (%s) → SliceOutOfRangeError', async (f) => {
    const ds = await openDataset(fixturePath(f));
    try {
      expect(() => ds.readVariable('q', { start: [2, 0, 0], count: [2, 5, 6] })).toThrow(
        SliceOutOfRangeError,
      );
      expect(() => ds.readVariable('q', { start: [0, 0, 0], count: [1, 6, 6] })).toThrow(
        /variable 'q'.*outside dimension 'latitude' \(size 5\)/,
      );
      expect(() => ds.readVariable('q', { start: [0], count: [1] })).toThrow(/must have 3 entries/);
    } finally {
      ds.close();
    }
  });
});
