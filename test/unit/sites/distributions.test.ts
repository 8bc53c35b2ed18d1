import { cdf, crpsAndGrad, meanStd, quantile } from '../../../libs/sites/distributions.js';
import type { SiteFamily } from '../../../libs/sites/types.js';

/** Composite Simpson of g on [a, b] with n (even) intervals. */
function simpson(g: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) acc += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * g(a + i * h);
  return (acc * h) / 3;
}

/**
 * CRPS = ∫ (F(x) − 1{y ≤ x})² dx numerically (the reference the closed form must meet), split at the
 * censoring point 0 and at y so that every piece is smooth.
 */
function crpsIntegral(family: SiteFamily, mu: number, sigma: number, y: number, shift = 0): number {
  const F = (x: number) => cdf(family, mu, sigma, x, shift);
  const lo = family === 'normal' ? Math.min(mu - 14 * sigma, y) : 0;
  const hi = Math.max(mu + 45 * sigma, y + 1);
  return simpson((x) => F(x) ** 2, lo, y) + simpson((x) => (1 - F(x)) ** 2, y, hi);
}

const cases: [number, number, number][] = [
  [1.5, 2, 0],
  [1.5, 2, 3.2],
  [-1, 0.8, 0],
  [-1, 0.8, 0.4],
  [4, 1.2, 9],
  [0.2, 3, 0.05],
];

describe('censored logistic and normal CRPS', () => {
  test.each(cases)('censored-logistic μ=%p σ=%p y=%p: closed form = numerical integral', (mu, sigma, y) => {
    const g = new Float64Array(2);
    expect(crpsAndGrad('censored-logistic', mu, sigma, y, g)).toBeCloseTo(
      crpsIntegral('censored-logistic', mu, sigma, y),
      6,
    );
  });

  test.each(cases)('normal μ=%p σ=%p y=%p: closed form = numerical integral', (mu, sigma, y) => {
    const g = new Float64Array(2);
    expect(crpsAndGrad('normal', mu, sigma, y, g)).toBeCloseTo(crpsIntegral('normal', mu, sigma, y), 6);
  });

  test.each(cases)(
    'censored-logistic μ=%p σ=%p y=%p: analytic gradient = central differences of the integral',
    (mu, sigma, y) => {
      const g = new Float64Array(2);
      crpsAndGrad('censored-logistic', mu, sigma, y, g);
      const e = 1e-3;
      const dmu =
        (crpsIntegral('censored-logistic', mu + e, sigma, y) -
          crpsIntegral('censored-logistic', mu - e, sigma, y)) /
        (2 * e);
      const ds =
        (crpsIntegral('censored-logistic', mu, sigma + e, y) -
          crpsIntegral('censored-logistic', mu, sigma - e, y)) /
        (2 * e);
      expect(g[0]).toBeCloseTo(dmu, 4);
      expect(g[1]).toBeCloseTo(ds, 4);
    },
  );

  test('quantile inverts the CDF above the point mass and is 0 inside it; mean/std match Monte Carlo moments', () => {
    const [mu, sigma] = [0.7, 1.3];
    const p0 = cdf('censored-logistic', mu, sigma, 0);
    expect(quantile('censored-logistic', mu, sigma, p0 * 0.9)).toBe(0);
    for (const p of [0.5, 0.8, 0.99])
      expect(cdf('censored-logistic', mu, sigma, quantile('censored-logistic', mu, sigma, p))).toBeCloseTo(
        p,
        10,
      );
    // Moments by integrating the quantile function: E[Y^k] = ∫_0^1 Q(p)^k dp (midpoint rule).
    let m1 = 0;
    let m2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const q = quantile('censored-logistic', mu, sigma, (i + 0.5) / n);
      m1 += q / n;
      m2 += (q * q) / n;
    }
    const [mean, std] = meanStd('censored-logistic', mu, sigma);
    expect(mean).toBeCloseTo(m1, 3);
    expect(std).toBeCloseTo(Math.sqrt(m2 - m1 * m1), 2);
  });
});

describe('censored shifted gamma (Scheuerer & Hamill 2015)', () => {
  const CSG = 'censored-shifted-gamma';
  // (μ, σ, δ, y): gamma mean and sd, shift, observation — shapes k = (μ/σ)² from 0.03 to 11.
  const csgCases: [number, number, number, number][] = [
    [2, 3, 0.5, 0],
    [2, 3, 0.5, 4],
    [5, 2, 1, 3],
    [0.5, 1.5, 0.1, 0.05],
    [10, 8, 0, 12],
    [1, 0.3, 0.2, 0.9],
    [0.3, 1.7, 0.05, 6],
  ];
  test.each(csgCases)('μ=%p σ=%p δ=%p y=%p: closed form = numerical integral', (mu, sigma, delta, y) => {
    const g = new Float64Array(3);
    expect(crpsAndGrad(CSG, mu, sigma, y, g, delta)).toBeCloseTo(crpsIntegral(CSG, mu, sigma, y, delta), 6);
  });

  test.each(csgCases)(
    'μ=%p σ=%p δ=%p y=%p: gradient = central differences of the integral',
    (mu, sigma, delta, y) => {
      const g = new Float64Array(3);
      crpsAndGrad(CSG, mu, sigma, y, g, delta);
      const e = 1e-3;
      const d = (a: [number, number, number], b: [number, number, number]) =>
        (crpsIntegral(CSG, a[0], a[1], y, a[2]) - crpsIntegral(CSG, b[0], b[1], y, b[2])) / (2 * e);
      expect(g[0]).toBeCloseTo(d([mu + e, sigma, delta], [mu - e, sigma, delta]), 4);
      expect(g[1]).toBeCloseTo(d([mu, sigma + e, delta], [mu, sigma - e, delta]), 4);
      if (delta > e) expect(g[2]).toBeCloseTo(d([mu, sigma, delta + e], [mu, sigma, delta - e]), 4);
    },
  );

  test('point mass G(δ) at 0, quantile inverts the CDF, mean/std match the quantile-integral moments', () => {
    const [mu, sigma, delta] = [1.2, 2.1, 0.4];
    const p0 = cdf(CSG, mu, sigma, 0, delta);
    expect(p0).toBeGreaterThan(0.2);
    expect(cdf(CSG, mu, sigma, -1e-9, delta)).toBe(0);
    expect(quantile(CSG, mu, sigma, p0 * 0.9, delta)).toBe(0);
    for (const p of [0.6, 0.8, 0.99])
      expect(cdf(CSG, mu, sigma, quantile(CSG, mu, sigma, p, delta), delta)).toBeCloseTo(p, 6);
    let m1 = 0;
    let m2 = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const q = quantile(CSG, mu, sigma, (i + 0.5) / n, delta);
      m1 += q / n;
      m2 += (q * q) / n;
    }
    const [mean, std] = meanStd(CSG, mu, sigma, delta);
    expect(mean).toBeCloseTo(m1, 2);
    expect(std).toBeCloseTo(Math.sqrt(m2 - m1 * m1), 1);
  });
});

describe('hurdle log-normal (P(Y > 0) = π, log-normal amounts)', () => {
  const H = 'hurdle-lognormal';
  /** ∫ (F(x) − 1{y ≤ x})² dx in t = log x (the log-normal's natural scale), below e^{μ−12σ} F is constant. */
  function hurdleIntegral(mu: number, sigma: number, pi: number, y: number): number {
    const F = (x: number) => cdf(H, mu, sigma, x, pi);
    const tLo = mu - 12 * sigma;
    const tHi = Math.max(mu + 12 * sigma, y > 0 ? Math.log(y) + 1 : -Infinity);
    const below = (t: number) => F(Math.exp(t)) ** 2 * Math.exp(t);
    const above = (t: number) => (1 - F(Math.exp(t))) ** 2 * Math.exp(t);
    if (!(y > Math.exp(tLo))) return pi ** 2 * Math.exp(tLo) + simpson(above, tLo, tHi);
    const ty = Math.log(y);
    return (1 - pi) ** 2 * Math.exp(tLo) + simpson(below, tLo, ty) + simpson(above, ty, tHi);
  }
  // (μ, σ, π, y)
  const hCases: [number, number, number, number][] = [
    [0.5, 1, 0.6, 0],
    [0.5, 1, 0.6, 2.3],
    [1.5, 0.4, 0.9, 0.2],
    [-1, 1.8, 0.3, 0.05],
    [2, 0.8, 0.97, 15],
    [0, 1.2, 0.5, 1],
  ];
  test.each(hCases)('μ=%p σ=%p π=%p y=%p: closed form = numerical integral', (mu, sigma, pi, y) => {
    const g = new Float64Array(3);
    expect(crpsAndGrad(H, mu, sigma, y, g, pi)).toBeCloseTo(hurdleIntegral(mu, sigma, pi, y), 6);
  });

  test.each(hCases)(
    'μ=%p σ=%p π=%p y=%p: gradient = central differences of the integral',
    (mu, sigma, pi, y) => {
      const g = new Float64Array(3);
      crpsAndGrad(H, mu, sigma, y, g, pi);
      const e = 1e-3;
      const d = (a: [number, number, number], b: [number, number, number]) =>
        (hurdleIntegral(a[0], a[1], a[2], y) - hurdleIntegral(b[0], b[1], b[2], y)) / (2 * e);
      expect(g[0]).toBeCloseTo(d([mu + e, sigma, pi], [mu - e, sigma, pi]), 4);
      expect(g[1]).toBeCloseTo(d([mu, sigma + e, pi], [mu, sigma - e, pi]), 4);
      expect(g[2]).toBeCloseTo(d([mu, sigma, pi + e], [mu, sigma, pi - e]), 4);
    },
  );

  test('point mass 1 − π at 0, quantile inverts the CDF, mean/std match the quantile-integral moments', () => {
    const [mu, sigma, pi] = [0.3, 0.9, 0.55];
    expect(cdf(H, mu, sigma, 0, pi)).toBeCloseTo(0.45, 12);
    expect(cdf(H, mu, sigma, -1e-9, pi)).toBe(0);
    expect(quantile(H, mu, sigma, 0.44, pi)).toBe(0);
    for (const p of [0.5, 0.8, 0.99])
      expect(cdf(H, mu, sigma, quantile(H, mu, sigma, p, pi), pi)).toBeCloseTo(p, 9);
    let m1 = 0;
    let m2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const q = quantile(H, mu, sigma, (i + 0.5) / n, pi);
      m1 += q / n;
      m2 += (q * q) / n;
    }
    const [mean, std] = meanStd(H, mu, sigma, pi);
    expect(mean).toBeCloseTo(m1, 2);
    expect(std).toBeCloseTo(Math.sqrt(m2 - m1 * m1), 1);
  });
});
