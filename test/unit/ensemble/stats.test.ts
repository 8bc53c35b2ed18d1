import { readFileSync } from 'node:fs';
import { eccLevels, eccReorder } from '../../../libs/ensemble/ecc.js';
import { normCdf, normPdf, normPpf, truncNormCdf, truncNormQuantile } from '../../../libs/ensemble/normal.js';
import { memberQuantiles } from '../../../libs/ensemble/quantiles.js';
import { memberMean, memberStd, memberVariance, parseMemberSelection } from '../../../libs/ensemble/stats.js';
import { expectRel } from '../scoring/helpers.js';

const ref = JSON.parse(
  readFileSync(new URL('../../fixtures/scoring/pointwise.json', import.meta.url), 'utf8'),
) as {
  cdf: { z: number; cdf: number; pdf: number }[];
  ppf: { p: number; ppf: number }[];
  truncnorm: { p: number; mu: number; sigma: number; ppf: number; cdf_at_1: number }[];
  quantiles: { data: number[][]; levels: number[]; expected: number[][] };
};

describe('normal utilities against scipy.stats', () => {
  test('Φ and φ', () => {
    for (const c of ref.cdf) {
      expectRel(normCdf(c.z), c.cdf, 1e-7, `Φ(${c.z})`);
      expectRel(normPdf(c.z), c.pdf, 1e-12, `φ(${c.z})`);
    }
  });
  test('Φ⁻¹', () => {
    for (const c of ref.ppf) expectRel(normPpf(c.p), c.ppf, 1e-9, `Φ⁻¹(${c.p})`);
    expect(normPpf(0)).toBe(-Infinity);
    expect(normPpf(1.5)).toBeNaN();
  });
  test('truncated normal quantile and CDF', () => {
    for (const c of ref.truncnorm) {
      expectRel(truncNormQuantile(c.p, c.mu, c.sigma), c.ppf, 1e-8, `tn ppf ${c.p},${c.mu}`);
      expectRel(truncNormCdf(1, c.mu, c.sigma), c.cdf_at_1, 1e-8, `tn cdf ${c.mu}`);
    }
  });
});

describe('member statistics', () => {
  const data = Float32Array.from([1, 10, 3, 14, 5, 12]); // 3 members × 2 points
  const e = { data, members: 3, points: 2 };
  test('mean, variance (ddof 0/1), std', () => {
    expect(Array.from(memberMean(e))).toEqual([3, 12]);
    expect(Array.from(memberVariance(e, 1))).toEqual([4, 4]);
    expectRel(memberVariance(e, 0)[0], 8 / 3, 1e-12, 'var0');
    expect(Array.from(memberStd(e, 1))).toEqual([2, 2]);
  });
  test('quantiles match numpy linear interpolation', () => {
    const q = ref.quantiles;
    const m = q.data.length;
    const n = q.data[0].length;
    const flat = Float32Array.from(q.data.flat());
    const out = memberQuantiles({ data: flat, members: m, points: n }, q.levels);
    q.levels.forEach((_, k) => {
      for (let p = 0; p < n; p++) expectRel(out[k * n + p], q.expected[k][p], 1e-6, `q${k} p${p}`);
    });
  });
  test('member selection parsing', () => {
    expect(parseMemberSelection('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseMemberSelection('0,2,7-8')).toEqual([0, 2, 7, 8]);
    expect(() => parseMemberSelection('5-1')).toThrow(/reversed/);
    expect(() => parseMemberSelection('a')).toThrow(/not N or N-M/);
  });
});

describe('ECC', () => {
  test('levels and reordering by raw ranks, ties by member index', () => {
    expect(eccLevels(3)).toEqual([0.25, 0.5, 0.75]);
    // 3 members × 2 points; point 1 has a tie between members 0 and 2.
    const raw = { data: Float32Array.from([5, 1, 2, 0, 9, 1]), members: 3, points: 2 };
    const quantiles = Float32Array.from([10, 100, 20, 200, 30, 300]); // ascending per point
    const out = eccReorder(raw, quantiles);
    // point 0: raw 5,2,9 → ranks 1,0,2 ; point 1: raw 1,0,1 → member1 lowest, then member0, then member2
    expect(Array.from(out)).toEqual([20, 200, 10, 100, 30, 300]);
  });
});
