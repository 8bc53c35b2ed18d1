/**
 * Scores on real MOGREPS-UK data reproduce the reference numbers of the data README (computed there with
 * numpy), EMOS with IMPROVER's kgo coefficients included; leave-one-day-out EMOS beats the raw ensemble.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fitEmosFiles } from '../../libs/emos/files.js';
import { applyEmosFile as applyEmosFiles } from '../../libs/pipeline/forecast/index.js';
import { scoreFiles } from '../../libs/scoring/files.js';
import { describeRealData, realFile } from '../helpers/realData.js';

const DAYS = ['20170602', '20170603', '20170604'];
const DIR = 'improver_test_data/estimate-emos-coefficients/normal';
const history = () =>
  DAYS.map((d) => realFile(`${DIR}/history/${d}T0300Z-PT0012H-temperature_at_screen_level.nc`));
const truth = () =>
  DAYS.map((d) => realFile(`${DIR}/truth/${d}T1500Z-PT0000H-temperature_at_screen_level.nc`));
const VAR = 'air_temperature';

// README.txt of the real data, printed with 4 decimals (3 for rmse/spread).
const README = {
  crps: [0.4826, 0.3576, 0.2983],
  crps_fair: [0.471, 0.3419, 0.285],
  emos_kgo: [0.2499, 0.2097, 0.2372],
  rmse: [0.679, 0.597, 0.571],
  spread: [0.336, 0.487, 0.405],
  rank: [4702, 3072, 3085, 2681, 2620, 2725, 2738, 2991, 3328, 4159, 5291, 7824, 74784],
};

describeRealData('scores on MOGREPS-UK vs the data README', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'epp-score-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('raw ensemble per day: crps, crps_fair, rmse, spread; pooled rank histogram', async () => {
    const h = history();
    const t = truth();
    for (let d = 0; d < 3; d++) {
      const s = await scoreFiles({ forecasts: [h[d]], truths: t, variable: VAR });
      expect(s.n).toBe(40000);
      expect(s.n_missing).toBe(0);
      expect(Math.abs(s.crps - README.crps[d])).toBeLessThanOrEqual(5e-5);
      expect(Math.abs(s.crps_fair - README.crps_fair[d])).toBeLessThanOrEqual(5e-5);
      expect(Math.abs(s.rmse - README.rmse[d])).toBeLessThanOrEqual(5e-4);
      expect(Math.abs(s.spread - README.spread[d])).toBeLessThanOrEqual(5e-4);
    }
    const pooled = await scoreFiles({ forecasts: h, truths: t, variable: VAR });
    expect(pooled.rank_histogram).toEqual(README.rank);
  });

  test('EMOS with IMPROVER kgo coefficients, scored as a Gaussian forecast file', async () => {
    const h = history();
    const t = truth();
    const kgo = realFile(`${DIR}/kgo.nc`);
    for (let d = 0; d < 3; d++) {
      const out = path.join(dir, `kgo-${d}.nc`);
      await applyEmosFiles({ forecast: h[d], coefficients: kgo, out });
      const s = await scoreFiles({ forecasts: [out], truths: [t[d]], variable: VAR });
      expect(s.kind).toBe('gaussian');
      expect(Math.abs(s.crps - README.emos_kgo[d])).toBeLessThanOrEqual(5e-5);
    }
  });

  test('leave one day out: EMOS fitted on the other two days beats the raw ensemble every day', async () => {
    const h = history();
    const t = truth();
    const rows: string[] = [];
    for (let d = 0; d < 3; d++) {
      const train = [0, 1, 2].filter((k) => k !== d);
      const coeffs = path.join(dir, `loo-${d}.nc`);
      await fitEmosFiles({
        forecasts: train.map((k) => h[k]),
        truths: train.map((k) => t[k]),
        variable: VAR,
        distribution: 'norm',
        out: coeffs,
      });
      const out = path.join(dir, `loo-out-${d}.nc`);
      await applyEmosFiles({ forecast: h[d], coefficients: coeffs, out, realizations: true });
      const raw = await scoreFiles({ forecasts: [h[d]], truths: [t[d]], variable: VAR });
      const emos = await scoreFiles({ forecasts: [out], truths: [t[d]], variable: VAR });
      const ecc = await scoreFiles({
        forecasts: [out.replace(/\.nc$/, '_realizations.nc')],
        truths: [t[d]],
        variable: VAR,
      });
      rows.push(
        `${DAYS[d]} raw ${raw.crps.toFixed(4)} emos ${emos.crps.toFixed(4)} ecc-members ${ecc.crps.toFixed(4)}`,
      );
      expect(emos.crps).toBeLessThan(raw.crps);
      expect(ecc.crps).toBeLessThan(raw.crps);
    }
    console.log(`leave-one-day-out CRPS:\n${rows.join('\n')}`);
  });
});
