/**
 * EMOS against IMPROVER's known-good outputs on real MOGREPS-UK data (3 days, 12 members, 200 × 200).
 * Tolerance as in IMPROVER's own acceptance test: 1e-3 (relative for α, |γ| since σ depends on γ²).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCoefficients } from '../../libs/emos/coefficientsFile.js';
import { emosCrps } from '../../libs/emos/evaluate.js';
import { fitEmosFiles } from '../../libs/emos/files.js';
import type { EmosCoefficients } from '../../libs/emos/types.js';
import { readEnsemble } from '../../libs/ensemble/read.js';
import type { EnsembleField } from '../../libs/ensemble/types.js';
import { openDataset } from '../../libs/netcdf/open.js';
import { readTruths } from '../../libs/scoring/files.js';
import { describeRealData, realFile } from '../helpers/realData.js';

const DAYS = ['20170602', '20170603', '20170604'];
const TOL = 1e-3;

function files(root: string, kind: 'normal' | 'truncated_normal') {
  const stem = kind === 'normal' ? 'temperature_at_screen_level' : 'horizontal_wind_speed_at_10m';
  const dir = `${root}/estimate-emos-coefficients/${kind}`;
  return {
    history: DAYS.map((d) => realFile(`${dir}/history/${d}T0300Z-PT0012H-${stem}.nc`)),
    truth: DAYS.map((d) => realFile(`${dir}/truth/${d}T1500Z-PT0000H-${stem}.nc`)),
    kgo: realFile(`${dir}/kgo.nc`),
  };
}

async function kgo(file: string): Promise<EmosCoefficients> {
  const ds = await openDataset(file);
  try {
    return readCoefficients(ds);
  } finally {
    ds.close();
  }
}

describeRealData('EMOS vs IMPROVER kgo (estimate-emos-coefficients)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'epp-emos-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['netCDF-4', 'improver_test_data'],
    ['netCDF-3', 'improver_test_data_nc3'],
  ])('normal, ensemble-mean predictor, from the %s files: within 1e-3 of kgo.nc', async (_, root) => {
    const f = files(root, 'normal');
    const ref = await kgo(f.kgo);
    const c = await fitEmosFiles({
      forecasts: f.history,
      truths: f.truth,
      variable: 'air_temperature',
      distribution: 'norm',
      out: path.join(dir, `coeffs-${root}.nc`),
    });
    const got = { alpha: c.alpha[0], beta: c.beta[0], gamma: Math.abs(c.gamma[0]), delta: c.delta[0] };
    const want = {
      alpha: ref.alpha[0],
      beta: ref.beta[0],
      gamma: Math.abs(ref.gamma[0]),
      delta: ref.delta[0],
    };
    console.log(`EMOS norm (${root}): epp`, got, 'kgo', want, 'training CRPS', c.crps);
    expect(Math.abs(got.alpha - want.alpha) / Math.abs(want.alpha)).toBeLessThanOrEqual(TOL);
    for (const k of ['beta', 'gamma', 'delta'] as const)
      expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(TOL);
    expect(c.converged).toBe(true);
    // The file written reads back to the same coefficients.
    const back = await kgo(path.join(dir, `coeffs-${root}.nc`));
    expect([back.alpha[0], back.beta[0], back.gamma[0], back.delta[0]]).toEqual([
      c.alpha[0],
      c.beta[0],
      c.gamma[0],
      c.delta[0],
    ]);
    expect(back.diagnostic).toBe('air_temperature');
  });

  test('truncated normal (10 m wind speed): mean truncnorm CRPS no higher than with kgo.nc', async () => {
    const f = files('improver_test_data', 'truncated_normal');
    const ref = await kgo(f.kgo);
    const c = await fitEmosFiles({
      forecasts: f.history,
      truths: f.truth,
      variable: 'wind_speed',
      distribution: 'truncnorm',
      out: path.join(dir, 'truncnorm.nc'),
    });
    const forecasts: EnsembleField[] = [];
    for (const h of f.history) forecasts.push(...(await readEnsemble(h, { variable: 'wind_speed' })));
    const truths = await readTruths(f.truth, 'wind_speed');
    const ours = emosCrps(forecasts, truths, c);
    const theirs = emosCrps(forecasts, truths, ref);
    console.log(
      `EMOS truncnorm: epp coefficients`,
      [c.alpha[0], c.beta[0], c.gamma[0], c.delta[0]],
      `CRPS ${ours.crps}; kgo`,
      [ref.alpha[0], ref.beta[0], ref.gamma[0], ref.delta[0]],
      `CRPS ${theirs.crps}`,
    );
    expect(ours.n).toBe(120000);
    expect(ours.crps).toBeLessThanOrEqual(theirs.crps);
  });
});
