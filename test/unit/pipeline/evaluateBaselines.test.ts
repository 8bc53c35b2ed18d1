/**
 * The stronger EMOS baselines of `epp evaluate` (libs/pipeline/evaluate/baselines.ts): the spherical
 * Laplacian against spherical harmonics (∇²Y_l = −l(l+1)/a²·Y_l), and the point-by-point fits recovering
 * known seasonal and Laplacian terms of a synthetic truth, and beating the plain fit there.
 */
import {
  annualHarmonic,
  applyExtendedEmos,
  fitExtendedEmos,
  sphericalLaplacian,
  type ExtendedEmosSample,
} from '../../../libs/pipeline/evaluate/baselines.js';
import { crpsGaussian } from '../../../libs/scoring/crps.js';

const A = 6.371e6;
const lats = Array.from({ length: 61 }, (_, i) => 90 - 3 * i);
const ny = 61;
const nx = 120;

function field(fn: (phi: number, lam: number) => number): Float32Array {
  const f = new Float32Array(ny * nx);
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) f[i * nx + j] = fn((lats[i] * Math.PI) / 180, (2 * Math.PI * j) / nx);
  return f;
}

describe('sphericalLaplacian', () => {
  test.each([
    ['Y_1^0 = sin φ', (phi: number) => Math.sin(phi), 2],
    [
      'Y_2^1 ∝ sin φ cos φ cos λ',
      (phi: number, lam: number) => Math.sin(phi) * Math.cos(phi) * Math.cos(lam),
      6,
    ],
    ['Y_4^4 ∝ cos⁴ φ sin 4λ', (phi: number, lam: number) => Math.cos(phi) ** 4 * Math.sin(4 * lam), 20],
  ])('%s: −l(l+1)/a² times the field within 1 % of its range, |φ| ≤ 75°', (_, fn, ll) => {
    const f = field(fn);
    const lap = sphericalLaplacian(f, lats, ny, nx);
    let maxErr = 0;
    let scale = 0;
    for (let i = 0; i < ny; i++) {
      if (Math.abs(lats[i]) > 75) continue;
      for (let j = 0; j < nx; j++) {
        const p = i * nx + j;
        const want = (-ll / (A * A)) * f[p];
        maxErr = Math.max(maxErr, Math.abs(lap[p] - want));
        scale = Math.max(scale, Math.abs(want));
      }
    }
    expect(maxErr).toBeLessThan(0.01 * scale);
    expect(lap[0]).toBe(0); // pole rows
    expect(lap[(ny - 1) * nx]).toBe(0);
  });
});

/** A seeded uniform generator (mulberry32) and standard normals by Box–Muller. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fitExtendedEmos', () => {
  const n = 3;
  const T = 1500;
  const u = rng(7);
  const normal = () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
  const day0 = Date.UTC(2011, 0, 1) / 1000;
  // truth = 1 + 0.9·mean + 2·cos d + 0.5·lapTarget·1e12 + N(0, 0.25 + 0.5·var)
  const make = (count: number, offset: number) => {
    const samples: ExtendedEmosSample[] = [];
    const truths: Float32Array[] = [];
    for (let t = 0; t < count; t++) {
      const validTime = day0 + (offset + t) * 3.5 * 86400;
      const [c] = annualHarmonic(validTime);
      const mean = Float32Array.from({ length: n }, () => 3 * normal());
      const variance = Float32Array.from({ length: n }, () => 0.5 + u());
      const lapTarget = Float32Array.from({ length: n }, () => 1e-12 * normal());
      const lapZ850 = Float32Array.from({ length: n }, () => 1e-12 * normal());
      samples.push({ validTime, mean, variance, lapTarget, lapZ850 });
      truths.push(
        Float32Array.from(
          { length: n },
          (_, p) =>
            1 +
            0.9 * mean[p] +
            2 * c +
            0.5e12 * lapTarget[p] +
            Math.sqrt(0.25 + 0.5 * variance[p]) * normal(),
        ),
      );
    }
    return { samples, truths };
  };
  const train = make(T, 0);
  const held = make(200, T);

  test('seasonal_local recovers α, β of the mean, the cos-harmonic and the Laplacian terms, γ², δ²', () => {
    const e = fitExtendedEmos('seasonal_local', train.samples, train.truths, n);
    expect([e.k, e.unfitted, e.notConverged]).toEqual([7, 0, 0]);
    for (let p = 0; p < n; p++) {
      const c = Array.from(e.coef.subarray(p * 10, p * 10 + 10));
      // [α, mean, cos, sin, mean·cos, mean·sin, lapZ850, lapTarget, γ, δ]
      expect(c[0]).toBeCloseTo(1, 0);
      expect(Math.abs(c[1] - 0.9)).toBeLessThan(0.1);
      expect(Math.abs(c[2] - 2)).toBeLessThan(0.3);
      expect(Math.abs(c[3])).toBeLessThan(0.3);
      expect(Math.abs(c[7] * 1e-12 - 0.5)).toBeLessThan(0.15);
      expect(Math.abs(c[6] * 1e-12)).toBeLessThan(0.15);
      // γ² and δ² trade off over the narrow var range [0.5, 1.5]: check σ² = γ² + δ²·var at its ends.
      for (const v of [0.5, 1.5])
        expect(Math.abs(c[8] ** 2 + c[9] ** 2 * v - (0.25 + 0.5 * v))).toBeLessThan(0.15);
    }
  });

  test('on held-out samples each term lowers the CRPS where the truth has it', () => {
    const crps = (kind: 'seasonal' | 'local' | 'seasonal_local') => {
      const e = fitExtendedEmos(kind, train.samples, train.truths, n);
      const x = new Float64Array(16);
      let s = 0;
      held.samples.forEach((smp, t) => {
        for (let p = 0; p < n; p++) {
          const [mu, sd] = applyExtendedEmos(e, smp, p, x);
          s += crpsGaussian(mu, sd, held.truths[t][p]);
        }
      });
      return s / (held.samples.length * n);
    };
    const both = crps('seasonal_local');
    expect(both).toBeLessThan(crps('seasonal'));
    expect(both).toBeLessThan(crps('local'));
  });

  test('a point with too few samples gets the raw Gaussian, counted as unfitted', () => {
    const truths = train.truths.slice(0, 8).map((y) => Float32Array.from(y, (v, p) => (p === 1 ? NaN : v)));
    const e = fitExtendedEmos('seasonal', train.samples.slice(0, 8), truths, n);
    expect(e.unfitted).toBe(1);
    const [mu, sd] = applyExtendedEmos(e, train.samples[0], 1, new Float64Array(8));
    expect(mu).toBeCloseTo(train.samples[0].mean[1], 5);
    expect(sd).toBeCloseTo(Math.sqrt(train.samples[0].variance[1]), 5);
  });
});
