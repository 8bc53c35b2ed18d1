/** readEnsemble / readField on the real ensembles: ERA5 (netCDF-3), MOGREPS-UK (netCDF-4), ECMWF ENS 51. */
import { readEnsemble, readField } from '../../libs/ensemble/read.js';
import { describeRealData, realFile } from '../helpers/realData.js';

const HIST =
  'estimate-emos-coefficients/normal/history/20170602T0300Z-PT0012H-temperature_at_screen_level.nc';
const TRUTH = 'estimate-emos-coefficients/normal/truth/20170602T1500Z-PT0000H-temperature_at_screen_level.nc';

describeRealData('readEnsemble on real ensembles', () => {
  test('ERA5: t at 850 hPa → 4 times × 10 members on the 61 × 120 global grid', async () => {
    const fields = await readEnsemble(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), {
      variable: 't',
      level: 850,
      members: [1, 2, 3, 4, 5],
    });
    expect(fields.map((f) => f.validTime)).toEqual(
      [0, 12, 24, 36].map((h) => Date.UTC(2017, 0, 1, h) / 1000),
    );
    const f = fields[0];
    expect([f.members, f.ny, f.nx, f.level, f.units, f.grid.kind]).toEqual([
      [0, 1, 2, 3, 4],
      61,
      120,
      850,
      'K',
      'latlon',
    ]);
    expect([f.grid.latitude[0], f.grid.latitude[60 * 120], f.grid.longitude[119]]).toEqual([90, -90, 357]);
    expect(f.data.length).toBe(5 * 61 * 120);
    expect(f.data.every((x) => x > 200 && x < 320)).toBe(true);
  });

  test('MOGREPS-UK: 12 realizations, T+12 from 03Z, projected grid over SW England and Wales', async () => {
    const [f] = await readEnsemble(realFile(`improver_test_data/${HIST}`), { variable: 'air_temperature' });
    expect([f.members.length, f.ny, f.nx, f.grid.kind, f.leadHours]).toEqual([12, 200, 200, 'projected', 12]);
    expect(f.validTime).toBe(Date.UTC(2017, 5, 2, 15) / 1000);
    expect(f.initTime).toBe(Date.UTC(2017, 5, 2, 3) / 1000);
    const lat = Array.from(f.grid.latitude);
    const lon = Array.from(f.grid.longitude);
    expect(Math.min(...lat)).toBeGreaterThan(49);
    expect(Math.max(...lat)).toBeLessThan(53.5);
    expect(Math.min(...lon)).toBeGreaterThan(-8.5);
    expect(Math.max(...lon)).toBeLessThan(-1.5);
    const [nc3] = await readEnsemble(realFile(`improver_test_data_nc3/${HIST}`), {
      variable: 'air_temperature',
    });
    expect(Buffer.from(nc3.data.buffer).equals(Buffer.from(f.data.buffer))).toBe(true);
    const [truth] = await readField(realFile(`improver_test_data/${TRUTH}`), { variable: 'air_temperature' });
    expect([truth.ny, truth.nx, truth.validTime]).toEqual([200, 200, f.validTime]);
  });

  test('ECMWF ENS: 51 members, scalar 850 hPa level, lead 78 h', async () => {
    const [f] = await readEnsemble(realFile('earthkit_ens50/ens_50.nc3.nc'), { variable: 'z', level: 850 });
    expect([f.members.length, f.ny, f.nx, f.level, f.leadHours]).toEqual([51, 2, 3, 850, 78]);
    expect(f.validTime).toBe(Date.UTC(2013, 9, 28, 6) / 1000);
  });
});
