/**
 * Variable names a user may give: the NetCDF name, the CF standard_name, or an alias (2t, t2m, tas, 10si, tp
 * …); surface aliases never pick a pressure-level variable. On the real MOGREPS-UK and ERA5 files.
 */
import { openDataset } from '../../../libs/netcdf/open.js';
import { resolveVariable } from '../../../libs/ensemble/variables.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

describeRealData('resolveVariable on real files', () => {
  test('MOGREPS-UK screen temperature: name, standard_name and the 2t/t2m/tas aliases', async () => {
    const ds = await openDataset(realFile('improver_test_data/apply-emos-coefficients/normal/input.nc'));
    try {
      for (const n of ['air_temperature', '2t', 't2m', 'tas'])
        expect(resolveVariable(ds, n)).toBe('air_temperature');
      expect(() => resolveVariable(ds, 'tp')).toThrow(/no variable 'tp'.*the file has: air_temperature/);
    } finally {
      ds.close();
    }
  });

  test('ERA5 pressure levels: air_temperature → t, geopotential → z, 2t refused', async () => {
    const ds = await openDataset(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'));
    try {
      expect(resolveVariable(ds, 't')).toBe('t');
      expect(resolveVariable(ds, 'air_temperature')).toBe('t');
      expect(resolveVariable(ds, 'geopotential')).toBe('z');
      expect(() => resolveVariable(ds, '2t')).toThrow(/off pressure levels/);
      expect(() => resolveVariable(ds, '10si')).toThrow(/no variable '10si'/);
    } finally {
      ds.close();
    }
  });
});
