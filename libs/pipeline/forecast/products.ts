/**
 * Products of a forecast, whatever the method: calibrated (or raw) mean and spread per grid point plus
 * percentiles, exceedance probabilities and member realizations. `rawProducts` computes them from the raw
 * member subset; `cropToBbox` keeps a latitude–longitude box.
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { ForecastRequest } from '../../contracts/jobs.js';
import { eccLevels, eccReorder } from '../../ensemble/ecc.js';
import { normCdf, normalQuantile } from '../../ensemble/normal.js';
import { memberQuantiles } from '../../ensemble/quantiles.js';
import { memberMean, memberStd } from '../../ensemble/stats.js';
import type { EnsembleField, Grid } from '../../ensemble/types.js';

export interface ProductSet {
  /** The (subset, cropped) ensemble the products describe: grid, units, member ids, valid time. */
  field: EnsembleField;
  /** The forecast distribution (`norm`, `truncnorm`) of a calibrated method; none for the raw ensemble. */
  distribution?: string;
  mean: Float32Array;
  std: Float32Array;
  percentiles?: { levels: number[]; data: Float32Array };
  /** P(x > t) in `data` and P(x < t) in `below`, [threshold, y, x]. */
  probabilities?: { thresholds: number[]; data: Float32Array; below: Float32Array };
  realizations?: { ids: number[]; data: Float32Array };
  /** What the method adds to the file's and the job result's provenance (mixed: model, analysis, domain). */
  provenance?: Record<string, string>;
}

/**
 * Raw-ensemble products (DESIGN §2 definitions): mean over members; std with ddof 1; empirical percentiles
 * (numpy 'linear', type 7); P(x > t) = fraction of members above t, P(x < t) = fraction below. Each removes the member dim and adds
 * a percentile / threshold dim where relevant. Units: those of the field; probabilities are 1.
 */
export function rawProducts(field: EnsembleField, req: ForecastRequest): ProductSet {
  const m = field.members.length;
  const n = field.ny * field.nx;
  if (m < 2) throw new InvalidArgumentError(`members: the raw method needs at least 2 members, got ${m}`);
  const arr = { data: field.data, members: m, points: n };
  const mean64 = memberMean(arr);
  const out: ProductSet = {
    field,
    mean: Float32Array.from(mean64),
    std: Float32Array.from(memberStd(arr, 1, mean64)),
  };
  if (req.products.includes('percentiles'))
    out.percentiles = {
      levels: req.percentiles,
      data: memberQuantiles(
        arr,
        req.percentiles.map((p) => p / 100),
      ),
    };
  if (req.products.includes('probabilities')) {
    const data = new Float32Array(req.thresholds.length * n);
    const below = new Float32Array(req.thresholds.length * n);
    const x = field.data;
    for (let k = 0; k < req.thresholds.length; k++) {
      const t = req.thresholds[k];
      for (let p = 0; p < n; p++) {
        let above = 0;
        let under = 0;
        let nan = false;
        for (let i = 0; i < m; i++) {
          const v = x[i * n + p];
          if (Number.isNaN(v)) nan = true;
          else if (v > t) above++;
          else if (v < t) under++;
        }
        data[k * n + p] = nan ? NaN : above / m;
        below[k * n + p] = nan ? NaN : under / m;
      }
    }
    out.probabilities = { thresholds: req.thresholds, data, below };
  }
  if (req.products.includes('realizations')) out.realizations = { ids: field.members, data: field.data };
  return out;
}

// The loops over grid points below are plain `for` loops in module-level functions, not callbacks made
// per call (`forEach((t, k) => …)`): V8 compiles a loop that runs long inside a fresh closure on the spot
// (on-stack replacement) and specialises that code to the closure, so every job compiled them again on a
// helper thread — CPU that a second worker process on the same cores then lacks (bench api, session 7).

/**
 * Products of a Gaussian forecast N(μ, σ²) per grid point (the mixed model, DESIGN §2.3): percentile p =
 * μ + σ·Φ⁻¹(p) (adds a percentile dim), P(x > t) = 1 − Φ((t − μ)/σ) and P(x < t) = Φ((t − μ)/σ) (add a threshold dim, units 1) and
 * realizations by ECC (Schefzik et al. 2013: Gaussian quantiles at levels i/(m+1) in the raw members' rank
 * order; keeps the member dim). Units: those of the field.
 */
export function gaussianProducts(
  field: EnsembleField,
  mean: Float32Array,
  std: Float32Array,
  req: ForecastRequest,
): ProductSet {
  const n = field.ny * field.nx;
  const m = field.members.length;
  const out: ProductSet = { field, mean, std };
  if (req.products.includes('percentiles')) {
    const data = new Float32Array(req.percentiles.length * n);
    for (let k = 0; k < req.percentiles.length; k++)
      gaussianQuantiles(data, k * n, req.percentiles[k] / 100, mean, std, n);
    out.percentiles = { levels: req.percentiles, data };
  }
  if (req.products.includes('probabilities')) {
    const data = new Float32Array(req.thresholds.length * n);
    const below = new Float32Array(req.thresholds.length * n);
    for (let k = 0; k < req.thresholds.length; k++) {
      const t = req.thresholds[k];
      for (let p = 0; p < n; p++) {
        const c = normCdf((t - mean[p]) / std[p]);
        data[k * n + p] = 1 - c;
        below[k * n + p] = c;
      }
    }
    out.probabilities = { thresholds: req.thresholds, data, below };
  }
  if (req.products.includes('realizations')) {
    const q = new Float32Array(m * n);
    const levels = eccLevels(m);
    for (let k = 0; k < m; k++) gaussianQuantiles(q, k * n, levels[k], mean, std, n);
    out.realizations = {
      ids: field.members,
      data: eccReorder({ data: field.data, members: m, points: n }, q),
    };
  }
  return out;
}

/** out[at + p] = μ[p] + σ[p]·Φ⁻¹(level) for the n points (normalQuantile, point by point). */
function gaussianQuantiles(
  out: Float32Array,
  at: number,
  level: number,
  mean: Float32Array,
  std: Float32Array,
  n: number,
): void {
  for (let p = 0; p < n; p++) out[at + p] = normalQuantile(level, mean[p], std[p]);
}

/** Longitude difference folded into (−180, 180]. */
export function lonDelta(a: number, b: number): number {
  let d = (((a - b) % 360) + 360) % 360;
  if (d > 180) d -= 360;
  return d;
}

/** Whether longitude `x` lies in [west, east] (west > east wraps across the antimeridian). */
export function lonInRange(x: number, west: number, east: number): boolean {
  const span = (((east - west) % 360) + 360) % 360 || (east !== west ? 360 : 0);
  return (((x - west) % 360) + 360) % 360 <= span + 1e-9;
}

/** Indices of rows (y) and columns (x) inside a bbox on a latitude–longitude grid. */
export function bboxIndices(
  grid: Grid,
  bbox: [number, number, number, number],
): { rows: number[]; cols: number[] } {
  if (grid.kind !== 'latlon') throw new InvalidArgumentError('bbox needs a latitude–longitude grid');
  const [w, s, e, nb] = bbox;
  const rows = Array.from(grid.y.keys()).filter((j) => grid.y[j] >= s - 1e-9 && grid.y[j] <= nb + 1e-9);
  const full = e - w >= 360;
  const cols = Array.from(grid.x.keys()).filter((i) => full || lonInRange(grid.x[i], w, e));
  if (!rows.length || !cols.length)
    throw new InvalidArgumentError(`bbox ${bbox.join(',')} contains no grid point`);
  return { rows, cols };
}

/** Keep the rows and columns of a bbox (the member dim is kept). */
export function cropToBbox(field: EnsembleField, bbox: [number, number, number, number]): EnsembleField {
  const { rows, cols } = bboxIndices(field.grid, bbox);
  const ny = rows.length;
  const nx = cols.length;
  const m = field.members.length;
  const data = new Float32Array(m * ny * nx);
  const lat = new Float64Array(ny * nx);
  const lon = new Float64Array(ny * nx);
  for (let k = 0; k < m; k++)
    for (let jj = 0; jj < ny; jj++)
      for (let ii = 0; ii < nx; ii++) {
        const j = rows[jj];
        const i = cols[ii];
        data[k * ny * nx + jj * nx + ii] = field.data[k * field.ny * field.nx + j * field.nx + i];
        if (k === 0) {
          lat[jj * nx + ii] = field.grid.y[j];
          lon[jj * nx + ii] = field.grid.x[i];
        }
      }
  const grid: Grid = {
    ...field.grid,
    y: Float64Array.from(rows.map((j) => field.grid.y[j])),
    x: Float64Array.from(cols.map((i) => field.grid.x[i])),
    latitude: lat,
    longitude: lon,
  };
  return { ...field, data, ny, nx, grid };
}
