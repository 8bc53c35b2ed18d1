/**
 * Normalisation of the model inputs and targets, fitted on the training years only and stored with the
 * model (DESIGN §2): BC channels get one global mean/std each (reference code); spreads are divided by
 * their global mean (the paper divides Z spreads by a constant 900 — same idea, per channel); member 1 gets
 * local area-wise standardisation; targets are residuals (truth − subset mean) divided by their training RMS.
 */
import { DataError } from '../contracts/errors.js';
import type { RawSample } from './features.js';
import { LasAccumulator } from './las.js';

export interface NormalizationStats {
  ny: number;
  nx: number;
  bcMean: number[];
  bcStd: number[];
  spreadScale: number[];
  /** Target scale s_t: RMS of (truth − subset mean) at the target lead over the training set. */
  targetScale: number[];
  /** LAS maps per member-1 channel, [ny · nx] each. */
  lasMean: Float32Array[];
  lasStd: Float32Array[];
}

/** Streaming fit: `add` every training sample once, then `finish`. Float64 accumulation. */
export class NormalizationFitter {
  private n = 0;
  private bcSum: Float64Array | null = null;
  private bcSq: Float64Array | null = null;
  private spreadSum: Float64Array | null = null;
  private resSq: Float64Array | null = null;
  private las: LasAccumulator[] = [];
  private ny = 0;
  private nx = 0;

  constructor(private readonly periodic: boolean) {}

  add(s: RawSample): void {
    if (!s.truth) throw new DataError('normalisation needs training samples with truth');
    if (this.n === 0) {
      this.ny = s.ny;
      this.nx = s.nx;
      this.bcSum = new Float64Array(s.bc.length);
      this.bcSq = new Float64Array(s.bc.length);
      this.spreadSum = new Float64Array(s.spread.length);
      this.resSq = new Float64Array(s.truth.length);
      this.las = s.member1.map(() => new LasAccumulator(s.ny, s.nx));
    }
    const npts = s.ny * s.nx;
    s.bc.forEach((f, c) => {
      let a = 0;
      let b = 0;
      for (let k = 0; k < npts; k++) {
        a += f[k];
        b += f[k] * f[k];
      }
      this.bcSum![c] += a / npts;
      this.bcSq![c] += b / npts;
    });
    s.spread.forEach((f, c) => {
      let a = 0;
      for (let k = 0; k < npts; k++) a += f[k];
      this.spreadSum![c] += a / npts;
    });
    s.truth.forEach((y, t) => {
      let a = 0;
      const m = s.targetMean[t];
      for (let k = 0; k < npts; k++) a += (y[k] - m[k]) ** 2;
      this.resSq![t] += a / npts;
    });
    s.member1.forEach((f, c) => this.las[c].add(f));
    this.n++;
  }

  finish(): NormalizationStats {
    if (this.n === 0) throw new DataError('normalisation: the training split holds no samples');
    const n = this.n;
    const bcMean = Array.from(this.bcSum!, (v) => v / n);
    const bcStd = Array.from(this.bcSq!, (v, c) => Math.sqrt(Math.max(v / n - bcMean[c] ** 2, 0)) || 1);
    const las = this.las.map((a) => a.finish(this.periodic));
    return {
      ny: this.ny,
      nx: this.nx,
      bcMean,
      bcStd,
      spreadScale: Array.from(this.spreadSum!, (v) => v / n || 1),
      targetScale: Array.from(this.resSq!, (v) => Math.sqrt(v / n) || 1),
      lasMean: las.map((l) => l.mean),
      lasStd: las.map((l) => l.std),
    };
  }
}

/** JSON part of the stats (the LAS maps go to a binary file). */
export function statsToJson(s: NormalizationStats): Record<string, unknown> {
  const { lasMean: _m, lasStd: _s, ...rest } = s;
  return rest;
}

/** LAS maps as one Float32 buffer: [mean | std][channel][ny · nx]. */
export function lasToBuffer(s: NormalizationStats): Uint8Array {
  const n = s.ny * s.nx;
  const out = new Float32Array(2 * s.lasMean.length * n);
  s.lasMean.forEach((m, c) => out.set(m, c * n));
  s.lasStd.forEach((m, c) => out.set(m, (s.lasMean.length + c) * n));
  return new Uint8Array(out.buffer);
}

export function statsFromJson(json: Record<string, unknown>, las: Uint8Array): NormalizationStats {
  const base = json as unknown as Omit<NormalizationStats, 'lasMean' | 'lasStd'>;
  const n = base.ny * base.nx;
  const copy = new Uint8Array(las); // aligned copy
  const f = new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  const channels = f.length / (2 * n);
  if (!Number.isInteger(channels)) throw new DataError('las.bin does not match the normalisation grid');
  const lasMean = Array.from({ length: channels }, (_, c) => f.slice(c * n, (c + 1) * n));
  const lasStd = Array.from({ length: channels }, (_, c) =>
    f.slice((channels + c) * n, (channels + c + 1) * n),
  );
  return { ...base, lasMean, lasStd };
}
