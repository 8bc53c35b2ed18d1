/**
 * Streaming verification of an ensemble against the truth (DESIGN §2 definitions): ensemble CRPS (via
 * libs/scoring), bias = mean(x̄ − y), spread = √mean(var ddof 1), rmse of the mean, ssr = spread/rmse, and the
 * error–spread correlation, both over all samples and within grid points (temporal anomalies: the
 * flow-dependent part). Adds no dims: every result is a scalar mean over points and times.
 */
import { ensembleCrpsSorted } from '../scoring/crps.js';

export interface SkillResult {
  n: number;
  crps: number;
  rmse: number;
  spread: number;
  ssr: number;
  bias: number;
  /** Pearson correlation of |x̄ − y| with the member std over all (point, time) samples. */
  errorSpreadCorr: number;
  /** Mean over points of the temporal correlation of |x̄ − y| with the std (flow-dependence only). */
  errorSpreadCorrWithinPoint: number;
}

export class EnsembleSkill {
  private readonly np: number;
  private readonly sorted: Float64Array;
  private n = 0;
  private crps = 0;
  private sq = 0;
  private var = 0;
  private err = 0;
  private se = 0;
  private ss = 0;
  private see = 0;
  private sss = 0;
  private ses = 0;
  /** Per-point sums for the within-point correlation: count, Σe, Σs, Σe², Σs², Σes. */
  private readonly pt: Float64Array[];

  constructor(points: number, maxMembers = 64) {
    this.np = points;
    this.sorted = new Float64Array(maxMembers);
    this.pt = Array.from({ length: 6 }, () => new Float64Array(points));
  }

  /**
   * Add one forecast: member i of point p at data[off + i·stride + p] for i < members; truth[tOff + p].
   */
  add(
    data: Float32Array,
    off: number,
    stride: number,
    members: number,
    truth: Float32Array,
    tOff: number,
  ): void {
    const s = this.sorted;
    const [pc, pe, ps, pee, pss, pes] = this.pt;
    for (let p = 0; p < this.np; p++) {
      const y = truth[tOff + p];
      let mean = 0;
      for (let i = 0; i < members; i++) {
        const x = data[off + i * stride + p];
        s[i] = x;
        mean += x;
      }
      mean /= members;
      let v = 0;
      for (let i = 0; i < members; i++) v += (s[i] - mean) ** 2;
      v /= members - 1;
      insertionSort(s, members);
      this.crps += ensembleCrpsSorted(s, members, y).crps;
      const d = mean - y;
      const e = Math.abs(d);
      const sd = Math.sqrt(v);
      this.n++;
      this.sq += d * d;
      this.var += v;
      this.err += d;
      this.se += e;
      this.ss += sd;
      this.see += e * e;
      this.sss += sd * sd;
      this.ses += e * sd;
      pc[p]++;
      pe[p] += e;
      ps[p] += sd;
      pee[p] += e * e;
      pss[p] += sd * sd;
      pes[p] += e * sd;
    }
  }

  result(): SkillResult {
    const n = this.n;
    const rmse = Math.sqrt(this.sq / n);
    const spread = Math.sqrt(this.var / n);
    const corr = (c: number, a: number, b: number, aa: number, bb: number, ab: number) => {
      const cov = ab / c - (a / c) * (b / c);
      const va = aa / c - (a / c) ** 2;
      const vb = bb / c - (b / c) ** 2;
      return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
    };
    let within = 0;
    let k = 0;
    const [pc, pe, ps, pee, pss, pes] = this.pt;
    for (let p = 0; p < this.np; p++) {
      if (pc[p] < 3) continue;
      const r = corr(pc[p], pe[p], ps[p], pee[p], pss[p], pes[p]);
      if (Number.isFinite(r)) {
        within += r;
        k++;
      }
    }
    return {
      n,
      crps: this.crps / n,
      rmse,
      spread,
      ssr: spread / rmse,
      bias: this.err / n,
      errorSpreadCorr: corr(n, this.se, this.ss, this.see, this.sss, this.ses),
      errorSpreadCorrWithinPoint: k > 0 ? within / k : NaN,
    };
  }
}

function insertionSort(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Per-point climatological percentile of the training truth and the fraction of later values above it
 * (DESIGN §2 "extreme events": truth above its per-grid-point 99th percentile of the training period).
 */
export class ExtremeCounter {
  private readonly np: number;
  private readonly train: Float32Array[] = [];
  private threshold: Float32Array | null = null;
  private above = 0;
  private count = 0;

  constructor(
    points: number,
    readonly percentile = 99,
  ) {
    this.np = points;
  }

  addTraining(values: Float32Array, off: number): void {
    this.train.push(values.slice(off, off + this.np));
  }

  /** Linear-interpolated per-point percentile of the training values (numpy's default method). */
  thresholds(): Float32Array {
    if (this.threshold) return this.threshold;
    const nt = this.train.length;
    const out = new Float32Array(this.np);
    const col = new Float64Array(nt);
    const pos = ((nt - 1) * this.percentile) / 100;
    const lo = Math.floor(pos);
    const hi = Math.min(nt - 1, lo + 1);
    for (let p = 0; p < this.np; p++) {
      for (let t = 0; t < nt; t++) col[t] = this.train[t][p];
      col.sort();
      out[p] = col[lo] + (pos - lo) * (col[hi] - col[lo]);
    }
    this.threshold = out;
    return out;
  }

  addTest(values: Float32Array, off: number): void {
    const th = this.thresholds();
    for (let p = 0; p < this.np; p++) {
      this.count++;
      if (values[off + p] > th[p]) this.above++;
    }
  }

  get trainingCount(): number {
    return this.train.length;
  }

  fraction(): number {
    return this.count > 0 ? this.above / this.count : NaN;
  }
}
