import {
  assembleCaseStudy,
  exceedanceProbability,
  spreadSkill,
} from '../../../libs/pipeline/report/index.js';
import { renderHtml } from '../../../libs/report/html.js';
import { normCdf } from '../../../libs/ensemble/normal.js';
import { subsetMembers } from '../../../libs/ensemble/stats.js';
import { ScoreSet } from '../../../libs/scoring/index.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { syntheticDays } from './syntheticCase.js';

const inputs = () => ({
  title: 'Synthetic case',
  subtitle: 'test',
  variableLabel: 't850',
  units: 'K',
  days: syntheticDays(2),
  gaussianSeries: [{ key: 'emos', label: 'EMOS' }],
  primary: 'emos',
  subsetIds: [0, 1, 2, 3, 4],
  threshold: 290,
  thresholdSource: 'given',
  run: { model: 'test' },
  warnings: [],
});

describe('assembleCaseStudy', () => {
  const inp = inputs();
  const steps: string[] = [];
  const report = assembleCaseStudy(inp, (f, msg) => steps.push(`${f.toFixed(2)} ${msg}`));

  test('its scores are exactly libs/scoring’s ScoreSet on the same fields and times', () => {
    const truths = inp.days.map((d) => d.truth);
    const set = new ScoreSet({ thresholds: [290] });
    const byKey = Object.fromEntries(report.scores.map((s) => [s.key, s]));
    expect(Object.keys(byKey)).toEqual(['raw10', 'raw5', 'emos']);
    const raw10 = set.process(inp.days.map((d, i) => ({ forecast: d.raw, truth: truths[i] })));
    const raw5 = set.process(
      inp.days.map((d, i) => ({ forecast: subsetMembers(d.raw, [0, 1, 2, 3, 4]), truth: truths[i] })),
    );
    const emos = set.process(inp.days.map((d, i) => ({ forecast: d.gaussians.emos, truth: truths[i] })));
    expect(byKey.raw10.crps).toBe(raw10.crps);
    expect(byKey.raw5.crps).toBe(raw5.crps);
    expect(byKey.emos.crps).toBe(emos.crps);
    expect(byKey.raw10.n).toBe(raw10.n);
    expect(byKey.raw10.nMissing).toBe(2);
    expect(byKey.emos.brier).toBe(emos.brier['290']);
    const day1 = set.process([{ forecast: inp.days[1].gaussians.emos, truth: truths[1] }]);
    expect(byKey.emos.crpsByTime[1]).toEqual({ time: truths[1].validTime, crps: day1.crps });
    // The made-up post-processed forecast removes the bias: it must beat the raw ensemble.
    expect(byKey.emos.crps).toBeLessThan(byKey.raw10.crps);
  });

  test('has the tables, four charts and ten maps per day in five colour-scale groups, and progress reaches the end', () => {
    expect(report.sections.map((s) => s.heading)).toEqual([
      'Scores',
      'Verification over the event',
      'Maps valid 2017-06-04 15:00 UTC (T+48 h)',
      'Maps valid 2017-06-05 15:00 UTC (T+48 h)',
    ]);
    expect(report.sections[1].images).toHaveLength(4);
    const groups = report.sections[2].groups!;
    expect(groups.map((g) => g.images.length)).toEqual([3, 2, 2, 1, 2]);
    expect(groups.every((g) => g.colorBar && g.note)).toBe(true);
    expect(report.sections[0].tables![0].rows[0].slice(0, 3)).toEqual([
      'raw 10 members',
      report.scores[0].crps,
      '0.0 %',
    ]);
    expect(steps.at(-1)).toMatch(/assembling/);
    // 4 charts + (10 maps + 5 colour bars) per day
    expect(renderHtml(report).match(/<img /g)).toHaveLength(34);
  });

  test('refuses an empty window or an unknown primary forecast', () => {
    expect(() => assembleCaseStudy({ ...inputs(), days: [] })).toThrow(InvalidArgumentError);
    expect(() => assembleCaseStudy({ ...inputs(), primary: 'model' })).toThrow(/"model"/);
  });
});

describe('report score helpers', () => {
  test('exceedance probability: member fraction for ensembles, 1 − Φ for Gaussians', () => {
    const [day] = syntheticDays(1, 4);
    const raw = { ...day.raw, data: new Float32Array(4 * day.raw.ny * day.raw.nx) };
    const n = raw.ny * raw.nx;
    raw.data.set([1, 2, 3, 4].flatMap((v) => Array(n).fill(v) as number[]));
    expect(exceedanceProbability(raw, 2.5, normCdf)[0]).toBe(0.5);
    const g = { ...day.gaussians.emos, mean: new Float32Array(n).fill(1), std: new Float32Array(n).fill(2) };
    expect(exceedanceProbability(g, 1, normCdf)[3]).toBeCloseTo(0.5, 12);
    expect(exceedanceProbability(g, 3, normCdf)[3]).toBeCloseTo(0.158655253931457, 7);
  });
  test('spread–skill bins are equally populated and RMS-averaged', () => {
    const [day] = syntheticDays(1);
    const n = day.truth.ny * day.truth.nx;
    const g = {
      ...day.gaussians.emos,
      mean: Float32Array.from(day.truth.data, (v) => v + 2),
      std: new Float32Array(n).fill(3),
    };
    const b = spreadSkill([g], [day.truth], 4);
    expect(b.count.reduce((a, c) => a + c, 0)).toBe(n - 1);
    expect(b.spread.every((s) => Math.abs(s - 3) < 1e-6)).toBe(true);
    expect(b.rmse.every((e) => Math.abs(e - 2) < 1e-4)).toBe(true);
  });
});
