import { openDataset } from '../../../libs/netcdf/index.js';
import {
  mergeObservations,
  readImproverSpotForecasts,
  readSiteObservationsNetcdf,
} from '../../../libs/sites/index.js';
import { estimateImproverSitesEmos } from '../../../libs/sites/improver.js';
import { nelderMead } from '../../../libs/emos/neldermead.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

const DIR = 'improver_test_data/estimate-emos-coefficients/normal/sites';
const DAYS = ['20201209', '20201210', '20201211'];

describeRealData('IMPROVER point-by-point site EMOS known-good output', () => {
  // IMPROVER's acceptance test test_normal_point_by_point_sites: --distribution norm --tolerance 0.01
  // --point-by-point, compared with atol = rtol = 0.1 (numpy.allclose: |a − b| ≤ atol + rtol·|b|).
  test('every site of sites/point_by_point/kgo.nc is reproduced within the acceptance tolerance', async () => {
    const f = await readImproverSpotForecasts(
      DAYS.map((d) => realFile(`${DIR}/history/${d}T1500Z-PT0012H00M-temperature_at_screen_level.nc`)),
      'air_temperature',
    );
    const obs = mergeObservations(
      await Promise.all(
        DAYS.map((d) =>
          readSiteObservationsNetcdf(
            realFile(`${DIR}/truth/${d}T1500Z-PT0000H00M-temperature_at_screen_level.nc`),
            'air_temperature',
          ),
        ),
      ),
    );
    const c = estimateImproverSitesEmos(f, obs, { tolerance: 0.01 });
    const ds = await openDataset(realFile(`${DIR}/point_by_point/kgo.nc`));
    try {
      // The KGO lists the sites in the order of the input spot files.
      const wmo = ds.readRaw('wmo_id').data as string[];
      expect(wmo.map((w) => w.trim())).toEqual(c.stations);
      const names = ['alpha', 'beta', 'gamma', 'delta'] as const;
      const failures: string[] = [];
      for (const n of names) {
        const kgo = ds.readVariable(`emos_coefficient_${n}`).data;
        expect(kgo.length).toBe(121);
        for (let s = 0; s < kgo.length; s++)
          if (!(Math.abs(c[n][s] - kgo[s]) <= 0.1 + 0.1 * Math.abs(kgo[s])))
            failures.push(`${n}[${s}] ${c[n][s]} vs ${kgo[s]}`);
      }
      expect(failures).toEqual([]);
      expect(c.unconverged).toBe(0);
    } finally {
      ds.close();
    }
  });
});

describe('Nelder–Mead (SciPy semantics)', () => {
  test('minimises the Rosenbrock function to its known minimum and stops on the tolerances', () => {
    const rosen = (x: Float64Array) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { xatol: 1e-8, fatol: 1e-10, maxIterations: 5000 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    const loose = nelderMead(rosen, [-1.2, 1], { xatol: 0.5, fatol: 0.5, maxIterations: 5000 });
    expect(loose.iterations).toBeLessThan(r.iterations);
    const capped = nelderMead(rosen, [-1.2, 1], { xatol: 1e-8, fatol: 1e-10, maxIterations: 10 });
    expect([capped.converged, capped.iterations]).toEqual([false, 10]);
  });
});
