/**
 * Turns raw samples into the networks' padded, normalised channel-last batches and the networks' outputs
 * back into physical μ and σ on the grid. [b] samples → [b, H, W, C] Float32Arrays (H, W padded).
 */
import { MismatchError } from '../contracts/errors.js';
import type { ModelConfig } from './config.js';
import type { RawSample } from './features.js';
import { GridPadding } from './gridPadding.js';
import type { NormalizationStats } from './normalization.js';

export class InputEncoder {
  readonly padding: GridPadding;
  readonly bcChannels: number;
  readonly uqChannels: number;
  readonly targets: number;

  constructor(
    readonly cfg: ModelConfig,
    readonly stats: NormalizationStats,
    periodic: boolean,
  ) {
    this.padding = new GridPadding(stats.ny, stats.nx, cfg.bcLevels, cfg.lonHalo, periodic);
    this.bcChannels = stats.bcMean.length;
    this.uqChannels = stats.spreadScale.length + stats.lasMean.length;
    this.targets = cfg.targets.length;
  }

  private check(s: RawSample): void {
    if (s.ny !== this.stats.ny || s.nx !== this.stats.nx)
      throw new MismatchError(
        `forecast grid ${s.ny}×${s.nx} differs from the model's ${this.stats.ny}×${this.stats.nx}`,
      );
  }

  private alloc(b: number, c: number): Float32Array {
    return new Float32Array(b * this.padding.height * this.padding.width * c);
  }

  private sampleView(buf: Float32Array, i: number, c: number): Float32Array {
    const size = this.padding.height * this.padding.width * c;
    return buf.subarray(i * size, (i + 1) * size);
  }

  /** BC input [b, H, W, 2K]: (x − mean)/std per channel. */
  bcInput(samples: RawSample[]): Float32Array {
    const C = this.bcChannels;
    const out = this.alloc(samples.length, C);
    samples.forEach((s, i) => {
      this.check(s);
      const v = this.sampleView(out, i, C);
      s.bc.forEach((f, c) =>
        this.padding.writeChannel(v, C, c, f, this.stats.bcMean[c], 1 / this.stats.bcStd[c]),
      );
    });
    return out;
  }

  /** UQ input [b, H, W, 3K + 3K]: spreads / their global mean, then member 1 after LAS. */
  uqInput(samples: RawSample[]): Float32Array {
    const C = this.uqChannels;
    const ns = this.stats.spreadScale.length;
    const out = this.alloc(samples.length, C);
    const n = this.stats.ny * this.stats.nx;
    const tmp = new Float32Array(n);
    // Plain loops, not callbacks made per call: V8 compiled the loop of a fresh closure again for every job.
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      this.check(s);
      const v = this.sampleView(out, i, C);
      s.spread.forEach((f, c) => this.padding.writeChannel(v, C, c, f, 0, 1 / this.stats.spreadScale[c]));
      for (let c = 0; c < s.member1.length; c++) {
        const f = s.member1[c];
        const m = this.stats.lasMean[c];
        const sd = this.stats.lasStd[c];
        for (let k = 0; k < n; k++) tmp[k] = (f[k] - m[k]) / sd[k];
        this.padding.writeChannel(v, C, ns + c, tmp);
      }
    }
    return out;
  }

  /** Raw target spreads in target-scale units [b, H, W, T] (the UQ head's second input). */
  uqSpread(samples: RawSample[]): Float32Array {
    const T = this.targets;
    const out = this.alloc(samples.length, T);
    samples.forEach((s, i) => {
      const v = this.sampleView(out, i, T);
      s.targetSpread.forEach((f, t) =>
        this.padding.writeChannel(v, T, t, f, 0, 1 / this.stats.targetScale[t]),
      );
    });
    return out;
  }

  /** Residual targets (truth − subset mean)/s_t on the unpadded grid [b, ny, nx, T]. */
  residualTarget(samples: RawSample[]): Float32Array {
    const T = this.targets;
    const n = this.stats.ny * this.stats.nx;
    const out = new Float32Array(samples.length * n * T);
    samples.forEach((s, i) => {
      if (!s.truth) throw new MismatchError('sample has no truth to train against');
      for (let t = 0; t < T; t++) {
        const y = s.truth[t];
        const m = s.targetMean[t];
        const inv = 1 / this.stats.targetScale[t];
        for (let k = 0; k < n; k++) out[(i * n + k) * T + t] = (y[k] - m[k]) * inv;
      }
    });
    return out;
  }

  /**
   * Physical μ and σ of sample `i` from cropped network outputs [b, ny, nx, T]:
   * μ = subset mean + s_t · residual; σ = s_t · (softplus output + ε).
   */
  decode(
    sample: RawSample,
    i: number,
    residual: Float32Array,
    sigmaRaw: Float32Array,
  ): { mu: Float32Array[]; sigma: Float32Array[] } {
    const T = this.targets;
    const n = this.stats.ny * this.stats.nx;
    const mu: Float32Array[] = [];
    const sigma: Float32Array[] = [];
    for (let t = 0; t < T; t++) {
      const s = this.stats.targetScale[t];
      const m = new Float32Array(n);
      const sd = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const idx = (i * n + k) * T + t;
        m[k] = sample.targetMean[t][k] + s * residual[idx];
        sd[k] = s * (sigmaRaw[idx] + this.cfg.sigmaEpsilon);
      }
      mu.push(m);
      sigma.push(sd);
    }
    return { mu, sigma };
  }
}
