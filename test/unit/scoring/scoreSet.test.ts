import { readFileSync } from 'node:fs';
import { ScoreSet } from '../../../libs/scoring/scoreSet.js';
import type { Grid } from '../../../libs/ensemble/types.js';
import { ensemble, expectRel, field, gaussian } from './helpers.js';

interface Expected {
  crps: number;
  crps_fair: number;
  crps_gaussian: number;
  rmse: number;
  bias: number;
  spread: number;
  ssr: number;
  rank_histogram?: number[];
  pit_histogram?: number[];
  brier: Record<string, number>;
  twcrps: Record<string, number>;
  n: number;
  n_missing: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/scoring/scores.json', import.meta.url), 'utf8'),
) as {
  ensemble: {
    m: number;
    ties: boolean;
    weights: 'none' | 'coslat';
    thresholds: number[];
    data: (number | null)[];
    truth: (number | null)[];
    lat: number[];
    expected: Expected;
  }[];
  gaussian: {
    mean: (number | null)[];
    std: (number | null)[];
    truth: (number | null)[];
    lat: number[];
    thresholds: number[];
    weights: 'none' | 'coslat';
    expected: Expected;
  }[];
};

const KEYS = ['crps', 'crps_fair', 'crps_gaussian', 'rmse', 'bias', 'spread', 'ssr'] as const;

describe('ScoreSet against numpy/scipy references (relative error ≤ 1e-5)', () => {
  test.each(fixture.ensemble.map((c) => [`m=${c.m} ties=${c.ties} weights=${c.weights}`, c] as const))(
    'ensemble %s',
    (_, c) => {
      const scores = new ScoreSet({ thresholds: c.thresholds, weights: c.weights }).process([
        { forecast: ensemble(c.data, c.m, c.lat), truth: field(c.truth, c.lat) },
      ]);
      for (const k of KEYS) expectRel(scores[k], c.expected[k], 1e-5, k);
      for (const t of c.thresholds) {
        expectRel(scores.brier[String(t)], c.expected.brier[String(t)], 1e-5, `brier ${t}`);
        expectRel(scores.twcrps[String(t)], c.expected.twcrps[String(t)], 1e-5, `twcrps ${t}`);
      }
      expect(scores.rank_histogram).toEqual(c.expected.rank_histogram);
      expect(scores.n).toBe(c.expected.n);
      expect(scores.n_missing).toBe(c.expected.n_missing);
      expect(scores.n_missing).toBeGreaterThanOrEqual(2); // the all-NaN and single-member points
    },
  );

  test.each(fixture.gaussian.map((c) => [c.weights, c] as const))('gaussian forecast, weights=%s', (_, c) => {
    const scores = new ScoreSet({ thresholds: c.thresholds, weights: c.weights }).process([
      { forecast: gaussian(c.mean, c.std, c.lat), truth: field(c.truth, c.lat) },
    ]);
    for (const k of KEYS) expectRel(scores[k], c.expected[k], 1e-5, k);
    for (const t of c.thresholds) {
      expectRel(scores.brier[String(t)], c.expected.brier[String(t)], 1e-5, `brier ${t}`);
      expectRel(scores.twcrps[String(t)], c.expected.twcrps[String(t)], 1e-5, `twcrps ${t}`);
    }
    expect(scores.pit_histogram).toEqual(c.expected.pit_histogram);
    expect(scores.rank_histogram).toBeNull();
    expect([scores.n, scores.n_missing]).toEqual([c.expected.n, c.expected.n_missing]);
  });

  test('pooling two times equals the weighted mean of the pooled points', () => {
    const c = fixture.ensemble[4];
    const a = { forecast: ensemble(c.data, c.m, c.lat, 0), truth: field(c.truth, c.lat, 0) };
    const b = { forecast: ensemble(c.data, c.m, c.lat, 3600), truth: field(c.truth, c.lat, 3600) };
    const s = new ScoreSet({ thresholds: c.thresholds, weights: c.weights }).process([a, b]);
    expectRel(s.crps, c.expected.crps, 1e-5, 'crps');
    expect(s.n).toBe(2 * c.expected.n);
    expect(s.rank_histogram).toEqual(c.expected.rank_histogram!.map((v) => 2 * v));
  });
});

describe('ScoreSet area weights by default (issue 14)', () => {
  const c = fixture.ensemble[1]; // a lat–lon case whose reference is cos(latitude)-weighted
  const pair = () => ({ forecast: ensemble(c.data, c.m, c.lat), truth: field(c.truth, c.lat) });
  const projected = <T extends { grid: Grid }>(x: T): T => ({ ...x, grid: { ...x.grid, kind: 'projected' } });

  test('a lat–lon grid is cos(latitude)-weighted unless told otherwise', () => {
    expect(c.weights).toBe('coslat');
    const s = new ScoreSet({ thresholds: c.thresholds }).process([pair()]);
    expect(s.weights).toBe('coslat');
    for (const k of KEYS) expectRel(s[k], c.expected[k], 1e-5, k);
    const none = new ScoreSet({ thresholds: c.thresholds, weights: 'none' }).process([pair()]);
    expect(none.weights).toBe('none');
    // The latitudes spread from −80° to 80°, so equal weights must give another CRPS.
    expect(Math.abs(none.crps - s.crps)).toBeGreaterThan(1e-4 * s.crps);
  });

  test('a projected (equal-area) grid gets equal weights; cos(latitude) is refused there', () => {
    const p = pair();
    const q = { forecast: projected(p.forecast), truth: projected(p.truth) };
    const s = new ScoreSet().process([q]);
    const none = new ScoreSet({ weights: 'none' }).process([p]);
    expect(s.weights).toBe('none');
    expect(s.crps).toBe(none.crps);
    expect(() => new ScoreSet({ weights: 'coslat' }).process([q])).toThrow(/regular latitude–longitude grid/);
  });

  test('lat–lon and projected forecasts in one call are refused, not mixed', () => {
    const p = pair();
    const q = {
      forecast: { ...projected(p.forecast), validTime: 60 },
      truth: { ...projected(p.truth), validTime: 60 },
    };
    expect(() => new ScoreSet().process([p, q])).toThrow(/grid is projected.*score them separately/);
  });
});

describe('ScoreSet bad input', () => {
  const lat = [10, 20, 30];
  test('all-NaN truth names the truth file', () => {
    expect(() =>
      new ScoreSet().process([
        { forecast: ensemble([1, 2, 3, 1, 2, 3], 2, lat), truth: field([null, null, null], lat) },
      ]),
    ).toThrow(/truth-0\.nc is all NaN/);
  });
  test('mismatched grids and units name both files', () => {
    const t = field([1, 2], [10, 20]);
    expect(() =>
      new ScoreSet().process([{ forecast: ensemble([1, 2, 3, 1, 2, 3], 2, lat), truth: t }]),
    ).toThrow(/grids differ: forecast forecast-0\.nc .* truth truth-0\.nc/);
    const u = { ...field([1, 2, 3], lat), units: 'degC' };
    expect(() =>
      new ScoreSet().process([{ forecast: ensemble([1, 2, 3, 1, 2, 3], 2, lat), truth: u }]),
    ).toThrow(/units differ/);
  });
  test('member counts differing between forecasts', () => {
    const a = { forecast: ensemble([1, 2, 3, 1, 2, 3], 2, lat), truth: field([1, 2, 3], lat) };
    const b = {
      forecast: ensemble([1, 2, 3, 1, 2, 3, 1, 2, 3], 3, lat, 60),
      truth: field([1, 2, 3], lat, 60),
    };
    expect(() => new ScoreSet().process([a, b])).toThrow(/member counts differ/);
  });
  test('bad options', () => {
    expect(() => new ScoreSet({ thresholds: [NaN] })).toThrow(/threshold/);
    expect(() => new ScoreSet({ weights: 'cells' as never })).toThrow(/weights/);
  });
});
