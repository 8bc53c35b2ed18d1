import { openDataset } from '../../../libs/netcdf/open.js';
import { FORMATS, expectedValues, firstMismatch, fixturePath } from './fixtures.js';

const FORMAT_NAMES = {
  classic: 'nc3-classic',
  '64bit': 'nc3-64bit-offset',
  nc4: 'nc4',
  nc4classic: 'nc4-classic',
};

describe.each(FORMATS)('openDataset on the %s fixture (written by netCDF-C)', (format) => {
  const expected = expectedValues(format);

  test('detects the format, dimensions (unlimited time) and hides HDF5 internals', async () => {
    const ds = await openDataset(fixturePath(format));
    try {
      expect(ds.format).toBe(FORMAT_NAMES[format]);
      expect(ds.dimensions.map((d) => [d.name, d.size, d.unlimited])).toEqual([
        ['time', 3, true],
        ['number', 4, false],
        ['level', 2, false],
        ['latitude', 5, false],
        ['longitude', 6, false],
        ['nv', 2, false],
        ['nchar', 8, false],
        ['station', 2, false],
      ]);
      expect(ds.variables.map((v) => v.name).sort()).toEqual(
        [...Object.keys(expected), 'station_name'].sort(),
      );
      const t = ds.variable('t');
      expect(t.dtype).toBe('short');
      expect(t.dims).toEqual(['time', 'number', 'level', 'latitude', 'longitude']);
      expect(t.attrs).toEqual({
        _FillValue: -32767,
        units: 'K',
        standard_name: 'air_temperature',
        scale_factor: 0.0015,
        add_offset: 255,
      });
      expect(ds.attrs.title).toBe('epp NetCDF reader fixture');
      expect(ds.attrs.version_number).toBe(3);
      expect(Object.keys(ds.attrs)).not.toContain('_NCProperties');
      expect(ds.memberAxis()).toEqual({ name: 'number', size: 4 });
    } finally {
      ds.close();
    }
  });

  test('decoded values equal xarray’s for every numeric variable (NaN-aware, exact)', async () => {
    const ds = await openDataset(fixturePath(format));
    try {
      for (const [name, exp] of Object.entries(expected)) {
        if (exp.dtype === 'epoch_seconds') {
          expect([name, firstMismatch(ds.readTime(name), exp.values)]).toEqual([name, null]);
          continue;
        }
        const v = ds.readVariable(name);
        expect(v.shape).toEqual(exp.shape);
        expect(v.dims).toEqual(exp.dims);
        // xarray keeps unpacked integers as integers; we give float32 where that is lossless (8/16-bit).
        const f32 = ['float32', 'int8', 'int16', 'uint8', 'uint16'].includes(exp.dtype);
        expect([name, v.data instanceof Float32Array]).toEqual([name, f32]);
        expect([name, firstMismatch(v.data, exp.values)]).toEqual([name, null]);
      }
    } finally {
      ds.close();
    }
  });

  test('a hyperslab equals the same part of the full read', async () => {
    const ds = await openDataset(fixturePath(format));
    try {
      const full = ds.readVariable('t').data;
      const part = ds.readVariable('t', { start: [1, 2, 1, 1, 2], count: [2, 1, 1, 3, 3] });
      expect(part.shape).toEqual([2, 1, 1, 3, 3]);
      const want: number[] = [];
      for (let a = 1; a < 3; a++)
        for (let y = 1; y < 4; y++)
          for (let x = 2; x < 5; x++) want.push(full[(((a * 4 + 2) * 2 + 1) * 5 + y) * 6 + x]);
      expect(Array.from(part.data)).toEqual(want);
    } finally {
      ds.close();
    }
  });

  test('char variables read as strings, raw values keep the stored type', async () => {
    const ds = await openDataset(fixturePath(format));
    try {
      expect(ds.readRaw('station_name').data).toEqual(['Oslo', 'Reading']);
      const raw = ds.readRaw('t', { start: [0, 1, 0, 2, 3], count: [1, 1, 1, 1, 1] });
      expect(raw.data).toBeInstanceOf(Int16Array);
      expect(Array.from(raw.data as Int16Array)).toEqual([-32767]);
    } finally {
      ds.close();
    }
  });
});
