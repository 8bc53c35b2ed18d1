/**
 * Assemble a case-study report from in-memory fields: raw ensemble, truth and post-processed Gaussian
 * forecasts per valid time, already cropped to the region. Scores go through libs/scoring; pictures
 * through libs/report. No file I/O here (see build.ts).
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import { subsetMembers } from '../../ensemble/stats.js';
import type { EnsembleField, Field2D } from '../../ensemble/types.js';
import type { BBox } from '../../report/geo.js';
import { MapPanel } from '../../report/mapPanel.js';
import type { CaseStudyReport, ReportImage, ReportTable } from '../../report/model.js';
import { displayUnits, formatWithUnits, toDisplay, toDisplayDelta } from '../../report/units.js';
import {
  crpsTimeSeriesChart,
  rankHistogramChart,
  reliabilityChart,
  spreadSkillChart,
} from '../../report/charts/verification.js';
import type { GaussianForecast } from '../../scoring/index.js';
import { dayFields, mapRanges, renderDayMaps } from './maps.js';
import { scoreSeries, spreadSkill, type ForecastSeries, type SeriesScores } from './scores.js';

export interface CaseDay {
  raw: EnsembleField;
  truth: Field2D;
  /** Post-processed forecasts of this day by key (e.g. `emos`, `model`). */
  gaussians: Record<string, GaussianForecast>;
}

export interface CaseStudyInputs {
  title: string;
  subtitle: string;
  variableLabel: string;
  units: string;
  days: CaseDay[];
  /** Post-processed systems in display order; `primary` is the one mapped. */
  gaussianSeries: { key: string; label: string }[];
  primary: string;
  /** Member identifiers of the raw subset (the first k members). */
  subsetIds: number[];
  threshold: number;
  thresholdSource: string;
  bbox?: BBox;
  run: Record<string, string>;
  warnings: string[];
}

export type Progress = (fraction: number, message: string) => void;

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace(':00.000Z', ' UTC').replace('T', ' ');
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–';
}

export function assembleCaseStudy(inp: CaseStudyInputs, progress: Progress = () => {}): CaseStudyReport {
  if (inp.days.length === 0) throw new InvalidArgumentError('case study has no valid times in its window');
  const primary = inp.gaussianSeries.find((s) => s.key === inp.primary);
  if (!primary)
    throw new InvalidArgumentError(`post-processed forecast "${inp.primary}" is not among the inputs`);
  const truths = inp.days.map((d) => d.truth);
  const m = inp.days[0].raw.members.length;
  const rawLabel = `raw ${m}`;
  const series: ForecastSeries[] = [
    { key: `raw${m}`, label: `${rawLabel} members`, forecasts: inp.days.map((d) => d.raw) },
    {
      key: `raw${inp.subsetIds.length}`,
      label: `raw ${inp.subsetIds.length} members`,
      forecasts: inp.days.map((d) => subsetMembers(d.raw, inp.subsetIds)),
    },
    ...inp.gaussianSeries.map((s) => ({
      key: s.key,
      label: s.label,
      forecasts: inp.days.map((d) => d.gaussians[s.key]),
    })),
  ];
  progress(0.05, 'scoring');
  const scored: SeriesScores[] = series.map((s) => scoreSeries(s, truths, inp.threshold));
  const ref = scored[0].summary;
  // What the reader sees is in display units (°C, mm, dam); scores.json keeps the data's units.
  const du = displayUnits(inp.units, inp.variableLabel);
  const su = du.deltaUnits || inp.units;
  const dd = (x: number): number => toDisplayDelta(du, x);
  const thresholdText = `${inp.variableLabel} > ${formatWithUnits(toDisplay(du, inp.threshold), du.units)}`;

  const scoreTable: ReportTable = {
    caption: `Scores over all ${inp.days.length} valid time(s) and every grid point of the region (CRPS, RMSE, bias and spread in ${su}; skill = 1 − CRPS / CRPS ${rawLabel}); Brier for P(${thresholdText})`,
    columns: ['forecast', 'CRPS', 'CRPS skill', 'RMSE', 'bias', 'spread', 'SSR', 'Brier', 'n', 'missing'],
    rows: scored.map(({ summary: s }) => [
      s.label,
      dd(s.crps),
      pct(1 - s.crps / ref.crps),
      dd(s.rmse),
      dd(s.bias),
      dd(s.spread),
      s.ssr,
      s.brier ?? NaN,
      s.n,
      s.nMissing,
    ]),
  };
  const dayTable: ReportTable = {
    caption: `Area-mean CRPS (${su}) per valid time, and relative improvement of ${primary.label} over ${rawLabel}`,
    columns: ['valid time', ...scored.map((s) => s.summary.label), `${primary.label} vs ${rawLabel}`],
    rows: inp.days.map((d, i) => {
      const row = scored.map((s) => s.summary.crpsByTime[i].crps);
      const p = scored.find((s) => s.summary.key === primary.key)!.summary.crpsByTime[i].crps;
      return [iso(d.truth.validTime), ...row.map(dd), pct(1 - p / row[0])];
    }),
  };

  progress(0.15, 'verification charts');
  const charts: ReportImage[] = [
    {
      caption: 'Area-mean CRPS per valid time',
      png: crpsTimeSeriesChart(
        scored.map((s) => ({
          label: s.summary.label,
          times: s.summary.crpsByTime.map((c) => c.time),
          crps: s.summary.crpsByTime.map((c) => dd(c.crps)),
        })),
        su,
      ),
    },
    {
      caption: 'Rank histograms of the raw ensembles and PIT histograms of the Gaussian forecasts',
      png: rankHistogramChart(
        scored.map((s) => ({
          label: s.summary.label,
          counts: s.full.rank_histogram ?? s.full.pit_histogram ?? [],
        })),
      ),
    },
    {
      caption: `Reliability diagram for P(${thresholdText})`,
      png: reliabilityChart(
        scored.map((s) => {
          const bins = Object.values(s.full.reliability)[0] ?? [];
          return {
            label: s.summary.label,
            forecastProbability: bins.map((b) =>
              b.forecast_count ? b.sum_forecast_probability / b.forecast_count : NaN,
            ),
            observedFrequency: bins.map((b) =>
              b.forecast_count ? b.observation_count / b.forecast_count : NaN,
            ),
            count: bins.map((b) => b.forecast_count),
          };
        }),
        thresholdText,
      ),
    },
    {
      caption: 'Spread–skill: RMSE of the mean against RMS predicted spread, 10 equally populated bins',
      png: spreadSkillChart(
        series.map((s) => {
          const ss = spreadSkill(s.forecasts, truths);
          return { label: s.label, ...ss, spread: ss.spread.map(dd), rmse: ss.rmse.map(dd) };
        }),
        su,
      ),
    },
  ];

  const fields = inp.days.map((d) => dayFields(d.raw, d.gaussians[primary.key], d.truth, inp.threshold));
  const ranges = mapRanges(fields);
  const labels = {
    raw: rawLabel,
    post: primary.label,
    variable: inp.variableLabel,
    display: du,
    thresholdText,
  };
  const panel = new MapPanel({ bbox: inp.bbox });
  const daySections = fields.map((f, i) => {
    progress(0.25 + (0.7 * i) / fields.length, `maps for ${iso(f.truth.validTime)}`);
    const raw = inp.days[i].raw;
    const lead = raw.leadHours === undefined ? '' : ` (T+${raw.leadHours} h)`;
    return {
      heading: `Maps valid ${iso(f.truth.validTime)}${lead}`,
      groups: renderDayMaps(f, ranges, labels, panel),
    };
  });
  progress(0.97, 'assembling');
  return {
    title: inp.title,
    subtitle: inp.subtitle,
    generatedAt: new Date().toISOString(),
    run: { ...inp.run, threshold: `${thresholdText} (${inp.thresholdSource})` },
    scores: scored.map((s) => s.summary),
    warnings: inp.warnings,
    sections: [
      { heading: 'Scores', tables: [scoreTable, dayTable] },
      { heading: 'Verification over the event', images: charts, columns: 2 },
      ...daySections,
    ],
  };
}
