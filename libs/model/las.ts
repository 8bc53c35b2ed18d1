/**
 * Local area-wise standardisation (LAS) of the UQ network's member input (Grönquist et al. 2021, UQ;
 * PAPER.md): per channel, the mean and std of the field over the training period in every 7×7 window
 * (wrap in longitude, windows clipped at the poles then edge-padded back to the full grid), smoothed with a
 * Gaussian of σ = 10 grid points (wrap in longitude, nearest in latitude); x' = (x − m)/s. [ny, nx] → same.
 */
import { DataError } from '../contracts/errors.js';

export const LAS_WINDOW = 7;
export const LAS_SIGMA = 10;

/** Streaming per-point sums of one channel over the training samples (float64). */
export class LasAccumulator {
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private count = 0;

  constructor(
    readonly ny: number,
    readonly nx: number,
  ) {
    this.sum = new Float64Array(ny * nx);
    this.sumSq = new Float64Array(ny * nx);
  }

  add(field: ArrayLike<number>): void {
    for (let k = 0; k < this.sum.length; k++) {
      const v = field[k];
      this.sum[k] += v;
      this.sumSq[k] += v * v;
    }
    this.count++;
  }

  /** The smoothed local mean and std maps [ny, nx]. */
  finish(periodic: boolean): { mean: Float32Array; std: Float32Array } {
    if (this.count === 0) throw new DataError('local area-wise standardisation: no training samples');
    const { ny, nx } = this;
    const n = this.count * LAS_WINDOW * LAS_WINDOW;
    const s = windowSum(this.sum, ny, nx, periodic);
    const q = windowSum(this.sumSq, ny, nx, periodic);
    const mean = new Float64Array(ny * nx);
    const std = new Float64Array(ny * nx);
    for (let k = 0; k < mean.length; k++) {
      mean[k] = s[k] / n;
      std[k] = Math.sqrt(Math.max(q[k] / n - mean[k] * mean[k], 0));
    }
    const m = gaussianSmooth(mean, ny, nx, LAS_SIGMA, periodic);
    const sd = gaussianSmooth(std, ny, nx, LAS_SIGMA, periodic);
    // A constant field has zero spread: fall back to 1 so that x' stays finite.
    // (A loop, not Math.max(...sd): spreading a 0.5° grid's 260 k values overflows the call stack.)
    let top = 0;
    for (const v of sd) top = Math.max(top, Math.abs(v));
    const floor = Math.max(1e-6, 1e-6 * top);
    return { mean: Float32Array.from(m), std: Float32Array.from(sd, (v) => (v > floor ? v : 1)) };
  }
}

/** Sums over 7×7 windows: rows whose window leaves the grid copy the nearest full window (edge padding). */
function windowSum(a: Float64Array, ny: number, nx: number, periodic: boolean): Float64Array {
  const h = LAS_WINDOW >> 1;
  const rows = new Float64Array(ny * nx); // sum over the 7 columns around j
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      let acc = 0;
      for (let d = -h; d <= h; d++) {
        let jj = j + d;
        if (periodic) jj = (jj + nx) % nx;
        else jj = Math.min(nx - 1, Math.max(0, jj));
        acc += a[i * nx + jj];
      }
      rows[i * nx + j] = acc;
    }
  const out = new Float64Array(ny * nx);
  const lo = Math.min(h, ny - 1);
  const hi = Math.max(lo, ny - 1 - h);
  for (let i = 0; i < ny; i++) {
    const c = Math.min(hi, Math.max(lo, i)); // window centre clipped into the valid rows
    for (let j = 0; j < nx; j++) {
      let acc = 0;
      for (let d = -h; d <= h; d++) acc += rows[Math.min(ny - 1, Math.max(0, c + d)) * nx + j];
      out[i * nx + j] = acc;
    }
  }
  return out;
}

/** Separable Gaussian smoothing (σ in grid points, truncated at 3σ, normalised weights). */
export function gaussianSmooth(
  a: ArrayLike<number>,
  ny: number,
  nx: number,
  sigma: number,
  periodic: boolean,
): Float64Array {
  const r = Math.ceil(3 * sigma);
  const w = new Float64Array(2 * r + 1);
  let tot = 0;
  for (let d = -r; d <= r; d++) tot += w[d + r] = Math.exp((-0.5 * d * d) / (sigma * sigma));
  for (let d = 0; d < w.length; d++) w[d] /= tot;
  const tmp = new Float64Array(ny * nx);
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      let acc = 0;
      for (let d = -r; d <= r; d++) {
        let jj = j + d;
        jj = periodic ? ((jj % nx) + nx) % nx : Math.min(nx - 1, Math.max(0, jj));
        acc += w[d + r] * a[i * nx + jj];
      }
      tmp[i * nx + j] = acc;
    }
  const out = new Float64Array(ny * nx);
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      let acc = 0;
      for (let d = -r; d <= r; d++) acc += w[d + r] * tmp[Math.min(ny - 1, Math.max(0, i + d)) * nx + j];
      out[i * nx + j] = acc;
    }
  return out;
}
