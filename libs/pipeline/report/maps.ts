/**
 * The map panels of one valid time of a case study: truth, raw mean and spread, post-processed mean and σ,
 * CRPS of the raw ensemble and of the post-processed forecast, their difference, and P(> threshold).
 * Colour ranges are shared across days and between comparable panels (computed once by `mapRanges`).
 */
import { normCdf } from '../../ensemble/normal.js';
import { memberMean, memberStd } from '../../ensemble/stats.js';
import type { EnsembleField, Field2D } from '../../ensemble/types.js';
import type { MapPanel } from '../../report/mapPanel.js';
import { RDBU_R, VIRIDIS, YLGNBU, YLORRD } from '../../report/colormaps.js';
import type { ReportImage } from '../../report/model.js';
import { robustRange, symmetricRange } from '../../report/scale.js';
import { crpsMaps, type GaussianForecast } from '../../scoring/index.js';
import { exceedanceProbability } from './scores.js';

/** The per-point fields of one day (all [y, x]). */
export interface DayFields {
  truth: Field2D;
  rawMean: Float32Array;
  rawSpread: Float32Array;
  postMean: Float32Array;
  postSigma: Float32Array;
  rawCrps: Float32Array;
  postCrps: Float32Array;
  crpsDiff: Float32Array;
  rawProb: Float32Array;
  postProb: Float32Array;
}

export function dayFields(
  raw: EnsembleField,
  post: GaussianForecast,
  truth: Field2D,
  threshold: number,
): DayFields {
  const mean = memberMean(raw);
  const rawCrps = crpsMaps(raw, truth).crps;
  const postCrps = crpsMaps(post, truth).crps;
  const crpsDiff = new Float32Array(rawCrps.length);
  for (let p = 0; p < crpsDiff.length; p++) crpsDiff[p] = postCrps[p] - rawCrps[p];
  return {
    truth,
    rawMean: Float32Array.from(mean),
    rawSpread: Float32Array.from(memberStd(raw, 1, mean)),
    postMean: post.mean,
    postSigma: post.std,
    rawCrps,
    postCrps,
    crpsDiff,
    rawProb: exceedanceProbability(raw, threshold, normCdf),
    postProb: exceedanceProbability(post, threshold, normCdf),
  };
}

export interface MapRanges {
  value: [number, number];
  spread: [number, number];
  crps: [number, number];
  diff: [number, number];
}

/** Shared colour ranges over every day: values (1–99 %), spreads and CRPS from 0, differences symmetric. */
export function mapRanges(days: DayFields[]): MapRanges {
  const hi = (fields: Float32Array[]): [number, number] => [0, Math.max(1e-6, robustRange(fields, 0, 99)[1])];
  return {
    value: robustRange(days.flatMap((d) => [d.truth.data, d.rawMean, d.postMean])),
    spread: hi(days.flatMap((d) => [d.rawSpread, d.postSigma])),
    crps: hi(days.flatMap((d) => [d.rawCrps, d.postCrps])),
    diff: symmetricRange(days.map((d) => d.crpsDiff)),
  };
}

function areaMean(v: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++)
    if (Number.isFinite(v[i])) {
      s += v[i];
      n++;
    }
  return n ? s / n : NaN;
}

export interface DayMapLabels {
  raw: string;
  post: string;
  variable: string;
  units: string;
  thresholdText: string;
}

/** Ten panels of one day, in reading order (two rows of five). */
export function renderDayMaps(d: DayFields, r: MapRanges, l: DayMapLabels, panel: MapPanel): ReportImage[] {
  const grid = d.truth.grid;
  const g = { ny: d.truth.ny, nx: d.truth.nx, latitude: grid.latitude, longitude: grid.longitude };
  const note = (v: ArrayLike<number>, u: string): string =>
    `mean ${areaMean(v).toPrecision(4)}${u === '1' ? '' : ` ${u}`}`;
  const u = l.units;
  const panels: [string, ArrayLike<number>, typeof VIRIDIS, [number, number], string][] = [
    [`truth ${l.variable}`, d.truth.data, VIRIDIS, r.value, u],
    [`${l.raw} mean`, d.rawMean, VIRIDIS, r.value, u],
    [`${l.raw} spread (std)`, d.rawSpread, YLGNBU, r.spread, u],
    [`${l.post} mean μ`, d.postMean, VIRIDIS, r.value, u],
    [`${l.post} σ`, d.postSigma, YLGNBU, r.spread, u],
    [`CRPS ${l.raw}`, d.rawCrps, YLGNBU, r.crps, u],
    [`CRPS ${l.post}`, d.postCrps, YLGNBU, r.crps, u],
    [`CRPS ${l.post} − ${l.raw}`, d.crpsDiff, RDBU_R, r.diff, u],
    [`P(${l.thresholdText}) ${l.raw}`, d.rawProb, YLORRD, [0, 1], '1'],
    [`P(${l.thresholdText}) ${l.post}`, d.postProb, YLORRD, [0, 1], '1'],
  ];
  return panels.map(([title, values, cmap, range, units]) => ({
    caption: title,
    png: panel.render({ title, units, grid: g, values, cmap, range, note: note(values, units) }),
  }));
}
