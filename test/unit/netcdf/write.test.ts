import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import type { FileSpec } from '../../../libs/netcdf/types.js';
import { writeNetcdf } from '../../../libs/netcdf/write.js';

const PY = '/usr/bin/python3';
const hasPython = spawnSync(PY, ['-c', 'import netCDF4, xarray'], { encoding: 'utf8' }).status === 0;
const hasNcdump = spawnSync('ncdump', [], { encoding: 'utf8' }).error === undefined;

/** Every netCDF-3 type, global + variable attributes, an unlimited dim with two record variables and one
 *  non-record variable of odd byte length (exercises padding). */
function spec(): FileSpec {
  return {
    dimensions: [
      { name: 'time', size: 3, unlimited: true },
      { name: 'y', size: 3 },
      { name: 'x', size: 5 },
      { name: 'nchar', size: 6 },
    ],
    attrs: { title: 'writer test', answer: 42, pi: [3.14159, 2.5] },
    variables: [
      {
        name: 'time',
        dtype: 'double',
        dims: ['time'],
        attrs: { units: 'hours since 2000-01-01' },
        data: [0, 6, 12],
      },
      { name: 'b', dtype: 'byte', dims: ['y', 'x'], data: Int8Array.from({ length: 15 }, (_, i) => i - 7) },
      {
        name: 's',
        dtype: 'short',
        dims: ['time', 'y', 'x'],
        attrs: { scale_factor: 0.5, add_offset: 10, _FillValue: -1 },
        attrTypes: { scale_factor: 'float', add_offset: 'float' },
        data: Int16Array.from({ length: 45 }, (_, i) => (i === 4 ? -1 : i * 3)),
      },
      { name: 'i', dtype: 'int', dims: ['x'], data: [1, -2, 3, 2000000000, 5] },
      {
        name: 'f',
        dtype: 'float',
        dims: ['time', 'x'],
        attrs: { units: 'K', _FillValue: 9.969209968386869e36 },
        data: Float32Array.from({ length: 15 }, (_, i) => (i === 7 ? 9.969209968386869e36 : 250 + i / 8)),
      },
      { name: 'd', dtype: 'double', dims: ['y'], data: [Math.PI, -1e300, 1e-300] },
      { name: 'label', dtype: 'char', dims: ['y', 'nchar'], data: ['alpha', 'beta', 'gamma6'] },
      { name: 'scalar', dtype: 'int', dims: [], data: [7] },
    ],
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-write-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['nc3', 'nc4'] as const)('writeNetcdf --format %s', (format) => {
  test('round-trips every type, attribute and the unlimited dimension through our reader', async () => {
    const file = path.join(dir, `rt-${format}.nc`);
    await writeNetcdf(file, spec(), { format });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const ds = await openDataset(file);
    try {
      expect(ds.format).toBe(format === 'nc3' ? 'nc3-64bit-offset' : 'nc4');
      expect(ds.dimensions).toEqual([
        { name: 'time', size: 3, unlimited: true },
        { name: 'y', size: 3, unlimited: false },
        { name: 'x', size: 5, unlimited: false },
        { name: 'nchar', size: 6, unlimited: false },
      ]);
      expect(ds.attrs).toEqual({ title: 'writer test', answer: 42, pi: [3.14159, 2.5] });
      for (const v of spec().variables) {
        const raw = ds.readRaw(v.name);
        if (v.dtype === 'char') expect(raw.data).toEqual(v.data);
        else
          expect(Array.from(raw.data as ArrayLike<number>)).toEqual(Array.from(v.data as ArrayLike<number>));
        expect(ds.variable(v.name).dtype).toBe(v.dtype);
      }
      expect(ds.variable('s').attrTypes).toMatchObject({ scale_factor: 'float', _FillValue: 'short' });
      const s = ds.readVariable('s').data;
      expect([s[0], s[1], s[4]]).toEqual([10, 11.5, NaN]);
      expect(ds.readTime('time')[2]).toBe(Date.UTC(2000, 0, 1, 12) / 1000);
    } finally {
      ds.close();
    }
  });

  (hasNcdump ? test : test.skip)('ncdump (netCDF-C) reads it', async () => {
    const file = path.join(dir, `nd-${format}.nc`);
    await writeNetcdf(file, spec(), { format });
    const out = spawnSync('ncdump', [file], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('time = UNLIMITED ; // (3 currently)');
    expect(out.stdout).toMatch(/label =\s+"alpha",\s+"beta",\s+"gamma6"/);
    expect(out.stdout).toMatch(/i = 1, -2, 3, 2000000000, 5/);
  });

  (hasPython ? test : test.skip)('xarray decodes it like our reader', async () => {
    const file = path.join(dir, `xr-${format}.nc`);
    await writeNetcdf(file, spec(), { format });
    const py = spawnSync(
      PY,
      [
        '-c',
        'import sys, xarray as xr, json; ds = xr.open_dataset(sys.argv[1]); print(json.dumps([None if v != v else float(v) for v in ds.s.values.ravel()[:6]]))',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual([10, 11.5, 13, 14.5, null, 17.5]);
  });
});

if (!hasPython) console.warn('[skip] xarray checks: /usr/bin/python3 with netCDF4+xarray not found');
if (!hasNcdump) console.warn('[skip] ncdump checks: ncdump not found (apt-get install netcdf-bin)');

describe('writeNetcdf validation', () => {
  test.each([
    [
      'missing dimension',
      (s: FileSpec) => (s.variables[1].dims = ['y', 'nope']),
      /variable 'b'.*dimension 'nope'/,
    ],
    ['wrong data length', (s: FileSpec) => (s.variables[3].data = [1, 2]), /variable 'i'.*2 values.*need 5/],
    [
      'unlimited not first',
      (s: FileSpec) => (s.variables[1].dims = ['y', 'time']),
      /variable 'b'.*must come first/,
    ],
  ])('%s → InvalidArgumentError naming the variable, nothing written', async (_, mutate, msg) => {
    const s = spec();
    mutate(s);
    const file = path.join(dir, 'bad.nc');
    await expect(writeNetcdf(file, s)).rejects.toThrow(InvalidArgumentError);
    await expect(writeNetcdf(file, s)).rejects.toThrow(msg);
    expect(existsSync(file)).toBe(false);
  });

  test('nc3 refuses netCDF-4-only types', async () => {
    const s = spec();
    s.variables[3].dtype = 'int64';
    await expect(writeNetcdf(path.join(dir, 'x.nc'), s, { format: 'nc3' })).rejects.toThrow(/type int64/);
  });
});
