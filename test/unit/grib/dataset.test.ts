/** GRIB fixtures through openDataset: cfgrib-like dimensions and coordinates for each grid and product kind. */
import { readEnsemble, readField } from '../../../libs/ensemble/read.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { REFERENCE, fixture } from './fixtures.js';

describe('GRIB as a dataset', () => {
  test('GRIB2 ensemble (template 4.1): control and perturbed members on one number axis', async () => {
    const ds = await openDataset(fixture('ens50_g2.grib'));
    try {
      expect(ds.format).toBe('grib2');
      expect(ds.memberAxis()).toEqual({ name: 'number', size: 51 });
      const z = ds.readVariable('z');
      expect(z.dims).toEqual(['number', 'latitude', 'longitude']);
      // The file holds pf 1..50 first, then cf 0; the axis is sorted, so number 0 is the last message.
      const refs = REFERENCE.files['ens50_g2.grib'];
      const cf = refs.findIndex((m) => m.keys.number === 0);
      expect(cf).toBe(50);
      expect(Array.from(z.data.subarray(0, 6))).toEqual(refs[cf].values.map((v) => Math.fround(v!)));
      const [f] = await readEnsemble(ds, { variable: 'z', level: 850 });
      expect(f.members).toEqual(Array.from({ length: 51 }, (_, i) => i));
      expect(f.leadHours).toBe(78);
    } finally {
      ds.close();
    }
  });

  test('GRIB2 accumulations (template 4.11): step is the end of the range', async () => {
    const ds = await openDataset(fixture('ens50_g2_accum.grib'));
    try {
      expect(ds.variable('z').attrs.GRIB_stepType).toBe('accum');
      expect(Array.from(ds.readVariable('step').data)).toEqual([78]);
      expect(Array.from(ds.readVariable('number').data)).toEqual([1, 2, 3]);
    } finally {
      ds.close();
    }
  });

  test('scanning modes: rows and columns as stored, coordinates to match', async () => {
    const base = await openDataset(fixture('era5_g1.grib'));
    const j = await openDataset(fixture('era5_scan_j.grib'));
    const i = await openDataset(fixture('era5_scan_i.grib'));
    try {
      const lat = Array.from(base.readVariable('latitude').data);
      const lon = Array.from(base.readVariable('longitude').data);
      expect(Array.from(j.readVariable('latitude').data)).toEqual([...lat].reverse());
      expect(Array.from(i.readVariable('longitude').data)).toEqual([...lon].reverse());
      const z = base.readVariable('z').data;
      const zj = j.readVariable('z').data;
      const zi = i.readVariable('z').data;
      for (let y = 0; y < 61; y += 7)
        for (let x = 0; x < 120; x += 11) {
          expect(zj[(60 - y) * 120 + x]).toBe(z[y * 120 + x]);
          expect(zi[y * 120 + (119 - x)]).toBe(z[y * 120 + x]);
        }
    } finally {
      base.close();
      j.close();
      i.close();
    }
  });

  test.each(['lambert_g2.grib', 'polar_g2.grib'])(
    '%s: projected grid (y, x) with 2-D latitude/longitude and a CF grid mapping',
    async (name) => {
      const ds = await openDataset(fixture(name));
      try {
        const t = ds.variable('t');
        expect(t.dims).toEqual(['y', 'x']);
        expect(ds.variable('latitude').dims).toEqual(['y', 'x']);
        const gm = ds.variable(String(t.attrs.grid_mapping)).attrs;
        if (name.startsWith('lambert'))
          expect(gm).toMatchObject({
            grid_mapping_name: 'lambert_conformal_conic',
            standard_parallel: [45, 55],
            longitude_of_central_meridian: 10,
            latitude_of_projection_origin: 50,
          });
        else
          expect(gm).toMatchObject({
            grid_mapping_name: 'polar_stereographic',
            straight_vertical_longitude_from_pole: 0,
            standard_parallel: 60,
          });
        const x = ds.readVariable('x').data;
        expect(x[1] - x[0]).toBeCloseTo(name.startsWith('lambert') ? 100000 : 200000, 3);
        const [f] = await readField(ds, { variable: 't' });
        expect(f.grid.kind).toBe('projected');
        expect([f.ny, f.nx]).toEqual([31, 16]);
        const ref = REFERENCE.files[name][0];
        // The first point is (lat1, lon1) of the grid definition.
        expect(f.grid.latitude[0]).toBeCloseTo(ref.latitudes[0], 6);
      } finally {
        ds.close();
      }
    },
  );

  test('reduced Gaussian: one values dimension; interpolated to the regular Gaussian grid only when asked', async () => {
    const ds = await openDataset(fixture('reduced_gg_g2.grib'));
    const rg = await openDataset(fixture('reduced_gg_g2.grib'), { grib: { reducedToRegular: true } });
    try {
      expect(ds.variable('t').dims).toEqual(['values']);
      expect(ds.variable('latitude').dims).toEqual(['values']);
      expect(rg.variable('t').dims).toEqual(['latitude', 'longitude']);
      const nlon = rg.variable('longitude').shape[0];
      expect(rg.variable('latitude').shape[0]).toBe(64);
      expect(nlon).toBe(128);
      const lat = ds.readVariable('latitude').data;
      const lon = ds.readVariable('longitude').data;
      const v = ds.readVariable('t').data;
      const r = rg.readVariable('t').data;
      const rlat = rg.readVariable('latitude').data;
      // Points that lie on the regular grid keep their value exactly; the others lie between their row neighbours.
      let exact = 0;
      for (let k = 0; k < v.length; k++) {
        const row = Array.from(rlat).findIndex((y) => Math.abs(y - lat[k]) < 1e-9);
        const col = (lon[k] * nlon) / 360;
        if (Math.abs(col - Math.round(col)) < 1e-9) {
          expect(r[row * nlon + Math.round(col)]).toBe(v[k]);
          exact++;
        }
      }
      expect(exact).toBeGreaterThan(1000);
    } finally {
      ds.close();
      rg.close();
    }
  });
});
