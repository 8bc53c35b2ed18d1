import { readFileSync } from 'node:fs';
import {
  crpsGaussian,
  crpsGaussianGrad,
  crpsTruncNormal,
  crpsTruncNormalGrad,
  twCrpsGaussian,
} from '../../../libs/scoring/crps.js';
import { ensembleCrpsMap } from '../../../libs/scoring/maps.js';
import { expectRel } from './helpers.js';

const ref = JSON.parse(
  readFileSync(new URL('../../fixtures/scoring/pointwise.json', import.meta.url), 'utf8'),
) as {
  gaussian: {
    mu: number;
    sigma: number;
    y: number;
    t: number;
    crps_gaussian: number;
    twcrps_gaussian: number;
    crps_truncnorm: number;
    crps_truncnorm_neg: number;
  }[];
};

describe('closed-form CRPS against scipy numerical integration', () => {
  test.each(ref.gaussian.map((c) => [c.mu, c.sigma, c.y, c.t, c] as const))(
    'μ=%d σ=%d y=%d t=%d',
    (mu, sigma, y, t, c) => {
      expectRel(crpsGaussian(mu, sigma, y), c.crps_gaussian, 1e-6, 'gaussian');
      expectRel(twCrpsGaussian(mu, sigma, y, t), c.twcrps_gaussian, 1e-6, 'twcrps');
      expectRel(crpsTruncNormal(mu, sigma, Math.max(y, 0)), c.crps_truncnorm, 1e-6, 'truncnorm');
      expectRel(crpsTruncNormal(mu, sigma, -0.7), c.crps_truncnorm_neg, 1e-6, 'truncnorm y<0');
    },
  );

  test('twCRPS with t → −∞ is the CRPS', () => {
    expectRel(twCrpsGaussian(1, 2, 0.3, -1e3), crpsGaussian(1, 2, 0.3), 1e-12, 'tw');
  });

  test('analytic gradients match central differences', () => {
    const h = 1e-6;
    for (const [mu, s, y] of [
      [0.5, 1.2, 1.9],
      [2, 0.4, 1.1],
      [-0.5, 1, 0.3],
      [3, 2, 0.2],
    ]) {
      const g = crpsGaussianGrad(mu, s, y);
      expectRel(g[0], (crpsGaussian(mu + h, s, y) - crpsGaussian(mu - h, s, y)) / (2 * h), 1e-6, 'dμ');
      expectRel(g[1], (crpsGaussian(mu, s + h, y) - crpsGaussian(mu, s - h, y)) / (2 * h), 1e-6, 'dσ');
      const t = crpsTruncNormalGrad(mu, s, y);
      expectRel(
        t[0],
        (crpsTruncNormal(mu + h, s, y) - crpsTruncNormal(mu - h, s, y)) / (2 * h),
        1e-5,
        'tn dμ',
      );
      expectRel(
        t[1],
        (crpsTruncNormal(mu, s + h, y) - crpsTruncNormal(mu, s - h, y)) / (2 * h),
        1e-5,
        'tn dσ',
      );
    }
  });
});

describe('ensembleCrpsMap', () => {
  test('matches the pairwise definition and marks missing points NaN', () => {
    const m = 4;
    const members = [
      [1, 2, 2, 5],
      [NaN, 1, 3, 3],
      [0, 0, 0, 0],
    ];
    const truth = Float32Array.from([2.5, NaN, 1]);
    const data = new Float32Array(m * 3);
    members.forEach((xs, p) => xs.forEach((v, i) => (data[i * 3 + p] = v)));
    const out = ensembleCrpsMap(data, m, truth);
    const pairwise = (xs: number[], y: number) =>
      xs.reduce((a, x) => a + Math.abs(x - y), 0) / xs.length -
      xs.reduce((a, x) => a + xs.reduce((b, z) => b + Math.abs(x - z), 0), 0) / (2 * xs.length ** 2);
    expectRel(out[0], pairwise(members[0], 2.5), 1e-7, 'p0');
    expect(out[1]).toBeNaN();
    expectRel(out[2], 1, 1e-7, 'p2');
  });
});
