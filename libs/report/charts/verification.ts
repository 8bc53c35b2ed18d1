/**
 * The verification charts of a case study, built on `renderChart`: area-mean CRPS over the event, rank /
 * PIT histograms, a reliability diagram and a spread–skill plot. Inputs are already-computed scores.
 */
import { renderChart, type Series } from './chart.js';
import { SERIES_COLORS } from '../style.js';

export interface NamedSeries {
  label: string;
  /** Fixed colour; default: by position in SERIES_COLORS. */
  color?: string;
}

/** Area-mean CRPS per valid time for each forecast. */
export interface CrpsTimeSeries extends NamedSeries {
  times: number[];
  crps: number[];
}

/** Rank histogram (m + 1 counts) or PIT histogram (k equal bins); drawn as density (flat = 1). */
export interface HistogramCounts extends NamedSeries {
  counts: number[];
}

/** Reliability bins for P(value > threshold): mean forecast probability vs observed frequency. */
export interface ReliabilityCurve extends NamedSeries {
  forecastProbability: number[];
  observedFrequency: number[];
  count: number[];
}

/** Spread–skill bins: RMS predicted spread vs RMSE of the mean, per bin of predicted spread. */
export interface SpreadSkillCurve extends NamedSeries {
  spread: number[];
  rmse: number[];
  count: number[];
}

const color = (s: NamedSeries, i: number): string => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];

function dateLabel(t: number): string {
  const iso = new Date(t * 1000).toISOString();
  return `${iso.slice(5, 10)} ${iso.slice(11, 13)}Z`;
}

export function crpsTimeSeriesChart(
  series: CrpsTimeSeries[],
  units: string,
  title = 'Area-mean CRPS',
): Buffer {
  const times = [...new Set(series.flatMap((s) => s.times))].sort((a, b) => a - b);
  const span = times.length > 1 ? times[times.length - 1] - times[0] : 86400;
  return renderChart({
    title,
    xLabel: 'valid time (UTC)',
    yLabel: `CRPS (${units})`,
    series: series.map((s, i) => ({
      label: s.label,
      color: color(s, i),
      kind: 'line',
      x: s.times,
      y: s.crps,
    })),
    xRange: [times[0] - span * 0.06, times[times.length - 1] + span * 0.06],
    xTicks: times.map((t) => ({ value: t, label: dateLabel(t) })),
  });
}

/** Several histograms over a common [0, 1] axis (rank / (m + 1) or PIT), as density so flat = 1. */
export function rankHistogramChart(
  hists: HistogramCounts[],
  title = 'Rank (ensembles) and PIT (Gaussian) histograms',
): Buffer {
  const series: Series[] = hists.map((h, i) => {
    const total = h.counts.reduce((a, b) => a + b, 0);
    const k = h.counts.length;
    return {
      label: `${h.label} (${k} bins)`,
      color: color(h, i),
      kind: 'step',
      x: h.counts.map((_, j) => j / k),
      y: h.counts.map((c) => (total > 0 ? (c / total) * k : NaN)),
      xEnd: 1,
    };
  });
  return renderChart({
    title,
    xLabel: 'normalised rank of the truth / PIT',
    yLabel: 'density (flat = 1)',
    series,
    xRange: [0, 1],
    hline: 1,
  });
}

export function reliabilityChart(curves: ReliabilityCurve[], thresholdText: string): Buffer {
  return renderChart({
    title: `Reliability: P(${thresholdText})`,
    xLabel: 'forecast probability',
    yLabel: 'observed frequency',
    series: curves.map((c, i) => {
      const keep = c.count.map((n) => n > 0);
      return {
        label: c.label,
        color: color(c, i),
        kind: 'line',
        x: c.forecastProbability.filter((_, j) => keep[j]),
        y: c.observedFrequency.filter((_, j) => keep[j]),
      };
    }),
    xRange: [0, 1],
    yRange: [0, 1],
    diagonal: true,
  });
}

export function spreadSkillChart(curves: SpreadSkillCurve[], units: string): Buffer {
  const all = curves.flatMap((c) => [...c.spread, ...c.rmse]).filter(Number.isFinite);
  const hi = all.length ? Math.max(...all) * 1.08 : 1;
  return renderChart({
    title: 'Spread–skill (binned by predicted spread)',
    xLabel: `predicted spread (${units})`,
    yLabel: `RMSE of mean (${units})`,
    series: curves.map((c, i) => {
      const keep = c.count.map((n) => n > 0);
      return {
        label: c.label,
        color: color(c, i),
        kind: 'line',
        x: c.spread.filter((_, j) => keep[j]),
        y: c.rmse.filter((_, j) => keep[j]),
      };
    }),
    xRange: [0, hi],
    yRange: [0, hi],
    diagonal: true,
  });
}
