/**
 * Every real NetCDF file (../shared/data/real, SHA-256 checked) opens, inspects and converts; ensemble axes
 * are found; the netCDF-3 copies of the MOGREPS-UK files decode to the same values as the netCDF-4 originals
 * (two independent readers, netcdfjs+own data path vs h5wasm, agreeing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertFile } from '../../libs/netcdf/convert.js';
import { inspectFile } from '../../libs/netcdf/inspect.js';
import { openDataset } from '../../libs/netcdf/open.js';
import { describeRealData, realFile, realNetcdfFiles } from '../helpers/realData.js';

const ncFiles = realNetcdfFiles();
const MOGREPS =
  'estimate-emos-coefficients/normal/history/20170602T0300Z-PT0012H-temperature_at_screen_level.nc';

describeRealData('real NetCDF files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'epp-real-nc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the data folder lists 60 NetCDF files', () => {
    expect(ncFiles.length).toBe(60);
  });

  test.each(ncFiles)('%s inspects and converts to nc3 and nc4', async (rel) => {
    const file = realFile(rel);
    const report = await inspectFile(file);
    expect(report.variables.length).toBeGreaterThan(0);
    for (const format of ['nc3', 'nc4'] as const) {
      const out = path.join(dir, `${rel.replace(/\//g, '_')}.${format}.nc`);
      const s = await convertFile(file, out, { format });
      const back = await openDataset(out);
      try {
        expect(back.variables.map((v) => v.name).sort()).toEqual(report.variables.map((v) => v.name).sort());
        expect(back.dimensions.map((d) => [d.name, d.size])).toEqual(
          report.dimensions.map((d) => [d.name, d.size]),
        );
        expect(s.variables).toBe(report.variables.length);
      } finally {
        back.close();
        rmSync(out);
      }
    }
  });

  test('ERA5 (netCDF-3) reports member axis number (10) and decodes t', async () => {
    const ds = await openDataset(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'));
    try {
      expect(ds.format).toBe('nc3-classic');
      expect(ds.memberAxis()).toEqual({ name: 'number', size: 10 });
      const t = ds.readVariable('t');
      expect(t.shape).toEqual([4, 10, 2, 61, 120]);
      let min = Infinity;
      let max = -Infinity;
      for (const x of t.data) {
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      expect(min).toBeGreaterThan(180); // K, 500/850 hPa
      expect(max).toBeLessThan(320);
      expect(Array.from(ds.readTime('time'))).toEqual(
        [0, 12, 24, 36].map((h) => Date.UTC(2017, 0, 1, h) / 1000),
      );
    } finally {
      ds.close();
    }
  });

  test('MOGREPS-UK (netCDF-4) reports realization (12); its netCDF-3 copy decodes identically', async () => {
    const nc4 = await openDataset(realFile(`improver_test_data/${MOGREPS}`));
    const nc3 = await openDataset(realFile(`improver_test_data_nc3/${MOGREPS}`));
    try {
      expect(nc4.format).toBe('nc4');
      expect(nc4.memberAxis()).toEqual({ name: 'realization', size: 12 });
      expect(nc3.memberAxis()).toEqual({ name: 'realization', size: 12 });
      const a = nc4.readVariable('air_temperature');
      const b = nc3.readVariable('air_temperature');
      expect(a.shape).toEqual([12, 200, 200]);
      expect(b.shape).toEqual([12, 200, 200]);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
      expect(nc4.readTime('time')[0]).toBe(Date.UTC(2017, 5, 2, 15) / 1000);
      expect(nc3.readTime('time')[0]).toBe(Date.UTC(2017, 5, 2, 15) / 1000);
    } finally {
      nc4.close();
      nc3.close();
    }
  });
});
