/**
 * The two real GRIB1 files of the shared data: every message equals ecCodes' decode, the cfgrib-style dataset
 * equals the NetCDF copies made from them (grib_to_netcdf for ERA5, cfgrib for ens_50 — with the control
 * member, which grib_to_netcdf drops), and `convertFile` of the ERA5 GRIB equals its NetCDF copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEnsemble } from '../../../libs/ensemble/read.js';
import { openGribIndex } from '../../../libs/grib/index.js';
import { convertFile } from '../../../libs/netcdf/convert.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { describeRealData, realFile } from '../../helpers/realData.js';
import { eccodesValues, haveEccodes, tolerance } from './fixtures.js';

const ERA5 = 'cfgrib_era5_eda/era5-levels-members.grib';
const ERA5_NC = 'cfgrib_era5_eda/era5-levels-members.nc3.nc';
const ENS50 = 'earthkit_ens50/ens_50.grib';
const ENS50_NC = 'earthkit_ens50/ens_50.nc3.nc';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describeRealData('real GRIB1 files', () => {
  const maybe = haveEccodes() ? test.each([ERA5, ENS50]) : test.skip.each([ERA5, ENS50]);
  maybe('%s: every message equals grib_get_data within half the packing precision', async (rel) => {
    const file = realFile(rel);
    const ix = await openGribIndex(file);
    try {
      const ref = eccodesValues(file);
      expect(ix.fields).toHaveLength(rel === ERA5 ? 160 : 51);
      expect(ref).toHaveLength(ix.fields.length);
      ix.fields.forEach((f, k) => {
        const v = ix.values(f);
        for (let i = 0; i < v.length; i++) {
          const d = Math.abs(v[i] - ref[k][i]);
          if (!(d <= tolerance(f, ref[k][i])))
            throw new Error(`message ${k + 1} point ${i}: ${v[i]} vs ${ref[k][i]}`);
        }
      });
    } finally {
      ix.close();
    }
  });

  test('ERA5: layout like cfgrib (number 0..9, 4 times, 500/850 hPa) and z, t equal the NetCDF copy', async () => {
    const ds = await openDataset(realFile(ERA5));
    try {
      expect(ds.format).toBe('grib1');
      expect(ds.memberAxis()).toEqual({ name: 'number', size: 10 });
      expect(ds.variable('t').dims).toEqual(['number', 'time', 'isobaricInhPa', 'latitude', 'longitude']);
      expect(Array.from(ds.readVariable('number').data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(Array.from(ds.readVariable('isobaricInhPa').data)).toEqual([850, 500]);
    } finally {
      ds.close();
    }
    for (const variable of ['z', 't'])
      for (const level of [500, 850]) {
        const g = await readEnsemble(realFile(ERA5), { variable, level });
        const n = await readEnsemble(realFile(ERA5_NC), { variable, level });
        expect(g.map((f) => f.validTime)).toEqual(n.map((f) => f.validTime));
        g.forEach((f, i) => {
          expect(f.members).toEqual(n[i].members);
          expect(Array.from(f.grid.latitude)).toEqual(Array.from(n[i].grid.latitude));
          expect(Array.from(f.grid.longitude)).toEqual(Array.from(n[i].grid.longitude));
          expect(maxAbsDiff(f.data, n[i].data)).toBe(0);
        });
      }
  });

  test('ens_50: control and 50 perturbed members on one number axis 0..50, equal to the cfgrib NetCDF copy', async () => {
    const g = await openDataset(realFile(ENS50));
    const n = await openDataset(realFile(ENS50_NC));
    try {
      expect(g.variable('z').dims).toEqual(['number', 'latitude', 'longitude']);
      expect(Array.from(g.readVariable('number').data)).toEqual(Array.from(n.readVariable('number').data));
      expect(g.variable('z').attrs.GRIB_dataType).toBe('pf,cf');
      expect(maxAbsDiff(g.readVariable('z').data, n.readVariable('z').data)).toBe(0);
      expect(Array.from(g.readVariable('longitude').data)).toEqual([-10, 0, 10]);
      expect(g.readTime('valid_time')[0]).toBe(Date.UTC(2013, 9, 28, 6) / 1000);
      const [f] = await readEnsemble(g, { variable: 'z', level: 850 });
      expect(f.leadHours).toBe(78);
      expect(f.initTime).toBe(Date.UTC(2013, 9, 25) / 1000);
    } finally {
      g.close();
      n.close();
    }
  });

  test('epp convert of the ERA5 GRIB equals the NetCDF copy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-grib-convert-'));
    try {
      const out = path.join(dir, 'era5.nc');
      const summary = await convertFile(realFile(ERA5), out);
      expect(summary).toMatchObject({ inputFormat: 'grib1', outputFormat: 'nc3', missing: 0 });
      for (const variable of ['z', 't'])
        for (const level of [500, 850]) {
          const c = await readEnsemble(out, { variable, level });
          const n = await readEnsemble(realFile(ERA5_NC), { variable, level });
          expect(c.map((f) => [f.validTime, f.members])).toEqual(n.map((f) => [f.validTime, f.members]));
          c.forEach((f, i) => expect(maxAbsDiff(f.data, n[i].data)).toBe(0));
        }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
