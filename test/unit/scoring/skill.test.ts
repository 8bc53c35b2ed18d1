import { normCdf } from '../../../libs/ensemble/normal.js';
import {
  SkillAccumulator,
  crpsGaussian,
  ensembleCrpsSorted,
  pointQuantiles,
  twCrpsEnsembleFair,
  twCrpsGaussian,
} from '../../../libs/scoring/index.js';

/** ∫_a^b (F(u) − 1{y ≤ u})² du by the midpoint rule (Gneiting & Ranjan 2011 eq. 14 with w = 1 on [a, b]). */
function twIntegral(F: (u: number) => number, y: number, a: number, b: number, steps = 200_000): number {
  const h = (b - a) / steps;
  let s = 0;
  for (let i = 0; i < steps; i++) {
    const u = a + (i + 0.5) * h;
    s += (F(u) - (y <= u ? 1 : 0)) ** 2;
  }
  return s * h;
}

function lcg(seed: number): () => number {
  let a = seed >>> 0;
  return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe('SkillAccumulator (DESIGN §2)', () => {
  it('fair twCRPS with a threshold below every value is the fair CRPS', () => {
    const x = Float64Array.from([0.1, 0.4, 1.3, 2.2]);
    expect(twCrpsEnsembleFair(x, 4, 0.9, -1e9)).toBeCloseTo(ensembleCrpsSorted(x, 4, 0.9).fair, 12);
  });

  it('lower-tail twCRPS of a Gaussian (via negation) equals the integral over (−∞, t]', () => {
    const [mu, sd, y, t] = [1, 2, -1.5, -0.5];
    const F = (u: number) => normCdf((u - mu) / sd);
    const want = twIntegral(F, y, mu - 12 * sd, t);
    const acc = new SkillAccumulator({
      methods: [{ name: 'g', kind: 'gaussian' }],
      sampleTimes: [0],
      weights: Float64Array.from([1]),
      lower: Float32Array.from([t]),
      replicates: 0,
    });
    acc.addGaussian('g', 0, 0, mu, sd, y);
    const r = acc.result('g');
    // midpoint rule across the jump of the integrand at y: error ≈ h = 1.3e-4
    expect(r.methods.g.scores.twcrps_lower.value).toBeCloseTo(want, 4);
    expect(r.methods.g.scores.brier_lower.value).toBeCloseTo((F(t) - 1) ** 2, 10);
    expect(twCrpsGaussian(-mu, sd, -y, -t)).toBeCloseTo(want, 4);
  });

  it('weights, estimators, the strongest reference, seeded week-block intervals', () => {
    const n = 3;
    const times = Array.from({ length: 20 }, (_, i) => i * 3.5 * 86400); // two inits a week
    const weights = Float64Array.from([1, 0.5, 0.1]);
    const upper = Float32Array.from([1.5, 1.5, 1.5]);
    const make = () =>
      new SkillAccumulator({
        methods: [
          { name: 'raw10', kind: 'ensemble' },
          { name: 'model', kind: 'gaussian' },
        ],
        sampleTimes: times,
        weights,
        upper,
        replicates: 200,
        seed: 7,
      });
    const a = make();
    const b = make();
    const rand = lcg(3);
    const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    let sumW = 0;
    let crpsW = 0;
    let modelW = 0;
    for (let s = 0; s < times.length; s++)
      for (let p = 0; p < n; p++) {
        const y = gauss();
        const mem = Float64Array.from({ length: 10 }, () => 0.5 * gauss() + 0.3).sort();
        crpsW += weights[p] * ensembleCrpsSorted(mem, 10, y).crps;
        modelW += weights[p] * crpsGaussian(0, 1, y);
        sumW += weights[p];
        for (const acc of [a, b]) {
          acc.addEnsemble('raw10', s, p, mem.slice(), 10, y);
          acc.addGaussian('model', s, p, 0, 1, y);
        }
      }
    const r = a.result();
    expect(r.methods.raw10.scores.crps.value).toBeCloseTo(crpsW / sumW, 10);
    expect(r.methods.model.scores.crps.value).toBeCloseTo(modelW / sumW, 10);
    expect(r.blocks).toBe(10); // 20 inits, two per week
    const raw = r.methods.raw10.scores;
    const best = ['crps', 'crps_fair', 'crps_gaussian'].reduce((x, y) =>
      raw[y].value < raw[x].value ? y : x,
    );
    expect(r.reference.crps).toEqual({ method: 'raw10', score: best, value: raw[best].value });
    expect(raw.crps_fair.value).toBeLessThan(raw.crps.value); // fair < standard for a finite ensemble
    const imp = r.improvement.model.crps;
    expect(imp.vs).toBe(`raw10 ${best}`);
    expect(imp.value).toBeCloseTo(1 - r.methods.model.scores.crps.value / raw[best].value, 12);
    expect(imp.lo).toBeLessThan(imp.value);
    expect(imp.hi).toBeGreaterThan(imp.value);
    expect(b.result()).toEqual(r); // seeded
    expect(r.methods.model.reliability.upper!.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(sumW, 8);
    expect(r.methods.raw10.scores.crps_obs_extreme.value).toBeGreaterThan(0);
  });

  it('rejects unknown methods and mismatched thresholds', () => {
    const acc = new SkillAccumulator({
      methods: [{ name: 'm', kind: 'gaussian' }],
      sampleTimes: [0],
      weights: new Float64Array(2),
    });
    expect(() => acc.addGaussian('x', 0, 0, 0, 1, 0)).toThrow(/unknown method 'x'/);
    expect(
      () =>
        new SkillAccumulator({
          methods: [{ name: 'm', kind: 'gaussian' }],
          sampleTimes: [0],
          weights: new Float64Array(2),
          upper: new Float32Array(3),
        }),
    ).toThrow(/3 points/);
  });

  it('pointQuantiles interpolates between order statistics', () => {
    const f = [0, 1, 2, 3, 4].map((v) => Float32Array.from([v, 10 - v]));
    expect(Array.from(pointQuantiles(f, 0.5))).toEqual([2, 8]);
    expect(pointQuantiles(f, 0.99)[0]).toBeCloseTo(3.96, 5);
  });
});
