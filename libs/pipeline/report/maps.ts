/**
 * The map panels of one valid time of a case study: truth, raw mean and spread, post-processed mean and σ,
 * CRPS of the raw ensemble and of the post-processed forecast, their difference, and P(> threshold), in
 * groups sharing a colour scale.
 * Colour ranges are shared across days and between comparable panels (computed once by `mapRanges`).
 */
import { normCdf } from '../../ensemble/normal.js';
import { memberMean, memberStd } from '../../ensemble/stats.js';
import type { EnsembleField, Field2D } from '../../ensemble/types.js';
import type { MapPanel } from '../../report/mapPanel.js';
import { RDBU_R, VIRIDIS, YLGNBU, YLORRD, type Colormap } from '../../report/colormaps.js';
import { renderColorBar } from '../../report/colorBar.js';
import type { FigureGroup, ReportImage } from '../../report/model.js';
import {
  fieldToDisplay,
  formatWithUnits,
  toDisplay,
  toDisplayDelta,
  type DisplayUnits,
} from '../../report/units.js';
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
  /** How values are shown (°C for K, dam for geopotential, mm for precipitation). */
  display: DisplayUnits;
  thresholdText: string;
}

/**
 * The maps of one day as groups sharing a colour scale (two maps per row, each scale drawn once under its
 * group): truth and both means; both spreads; both CRPS maps; the CRPS difference with words saying which
 * colour is better; both exceedance probabilities. Values are converted to display units here.
 */
export function renderDayMaps(d: DayFields, r: MapRanges, l: DayMapLabels, panel: MapPanel): FigureGroup[] {
  const grid = d.truth.grid;
  const g = { ny: d.truth.ny, nx: d.truth.nx, latitude: grid.latitude, longitude: grid.longitude };
  const du = l.display;
  const abs = (v: ArrayLike<number>): Float32Array => fieldToDisplay(du, v);
  const delta = (v: ArrayLike<number>): Float32Array => fieldToDisplay(du, v, true);
  const absRange: [number, number] = [toDisplay(du, r.value[0]), toDisplay(du, r.value[1])];
  const dRange = (x: [number, number]): [number, number] => [
    toDisplayDelta(du, x[0]),
    toDisplayDelta(du, x[1]),
  ];
  const note = (v: ArrayLike<number>, u: string): string => `area mean ${formatWithUnits(areaMean(v), u)}`;
  const map = (
    title: string,
    values: Float32Array,
    cmap: Colormap,
    range: [number, number],
    units: string,
  ): ReportImage => ({
    caption: title,
    png: panel.render({
      title,
      units,
      grid: g,
      values,
      cmap,
      range,
      note: note(values, units),
      colorBar: false,
    }),
  });
  const bar = (
    caption: string,
    cmap: Colormap,
    range: [number, number],
    units: string,
    ends?: { low: string; high: string },
  ): ReportImage => ({ caption, png: renderColorBar({ cmap, range, units, ends }) });
  const vu = du.units;
  const su = du.deltaUnits;
  const better = `CRPS ${l.post} − ${l.raw}`;
  return [
    {
      images: [
        map(`truth ${l.variable}`, abs(d.truth.data), VIRIDIS, absRange, vu),
        map(`${l.raw} mean`, abs(d.rawMean), VIRIDIS, absRange, vu),
        map(`${l.post} mean μ`, abs(d.postMean), VIRIDIS, absRange, vu),
      ],
      colorBar: bar(`${l.variable} (${vu})`, VIRIDIS, absRange, vu),
      note: `One colour scale for the truth and both means (${vu || 'dimensionless'}).`,
    },
    {
      images: [
        map(`${l.raw} spread (std)`, delta(d.rawSpread), YLGNBU, dRange(r.spread), su),
        map(`${l.post} σ`, delta(d.postSigma), YLGNBU, dRange(r.spread), su),
      ],
      colorBar: bar(`spread (${su})`, YLGNBU, dRange(r.spread), su),
      note: `One colour scale for both spreads (${su || 'dimensionless'}).`,
    },
    {
      images: [
        map(`CRPS ${l.raw}`, delta(d.rawCrps), YLGNBU, dRange(r.crps), su),
        map(`CRPS ${l.post}`, delta(d.postCrps), YLGNBU, dRange(r.crps), su),
      ],
      colorBar: bar(`CRPS (${su})`, YLGNBU, dRange(r.crps), su),
      note: `One colour scale for both CRPS maps (${su || 'dimensionless'}); lower is better.`,
    },
    {
      images: [map(better, delta(d.crpsDiff), RDBU_R, dRange(r.diff), su)],
      colorBar: bar(better, RDBU_R, dRange(r.diff), su, {
        low: `← blue: ${l.post} better`,
        high: `red: ${l.raw} better →`,
      }),
      note: `${better}: blue where ${l.post} has the lower CRPS (post-processing is better), red where ${l.raw} has; white where they are equal.`,
    },
    {
      images: [
        map(`P(${l.thresholdText}) ${l.raw}`, Float32Array.from(d.rawProb), YLORRD, [0, 1], ''),
        map(`P(${l.thresholdText}) ${l.post}`, Float32Array.from(d.postProb), YLORRD, [0, 1], ''),
      ],
      colorBar: bar(`probability of ${l.thresholdText}`, YLORRD, [0, 1], 'probability'),
      note: `One colour scale for both probabilities of ${l.thresholdText}.`,
    },
  ];
}
