/**
 * Locally connected per-grid-point linear layer (LCN) that ends the BC network (Grönquist et al. 2021,
 * §BC; reference code "LCN"): out[b,i,j,t] = Σ_c W[t,i,j,c]·x[b,i,j,c] + B[i,j,t]. Adds nothing to the
 * spatial dims; maps C feature channels to T outputs. W and B are zero-initialised so the untrained model
 * predicts a zero residual (μ = subset mean).
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

export interface LocallyConnectedArgs {
  /** Output channels T (one per target). */
  units: number;
  /** Weight of the smoothness penalty, reported by `smoothnessPenalty()` (the training loop adds it). */
  smoothness?: number;
  name?: string;
  trainable?: boolean;
}

export class LocallyConnected1x1 extends layers.Layer {
  static readonly className = 'EppLocallyConnected1x1';
  readonly units: number;
  readonly smoothness: number;
  private kernel: LayerVariable | null = null;
  private biasMap: LayerVariable | null = null;

  constructor(args: LocallyConnectedArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units;
    this.smoothness = args.smoothness ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const [, h, w, c] = shape;
    if (h == null || w == null || c == null)
      throw new Error(
        `LocallyConnected1x1 needs a fixed [height, width, channels] input, got ${JSON.stringify(shape)}`,
      );
    this.kernel = this.addWeight('kernel', [this.units, h, w, c], 'float32', initializers.zeros());
    this.biasMap = this.addWeight('bias', [h, w, this.units], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0], shape[1], shape[2], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return this.apply4d(x, this.kernel!.read(), this.biasMap!.read());
    });
  }

  /**
   * The layer on a window of its grid (tiled inference, tiling.ts): x [b, h, w, c] covers grid rows
   * top…top+h−1 and columns left…left+w−1, and meets the per-point weights of exactly those points.
   */
  callWindow(x: tf.Tensor4D, top: number, left: number): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const kernel = this.kernel!.read();
      const [, H, W] = kernel.shape;
      if (top < 0 || left < 0 || top + h > H || left + w > W)
        throw new Error(`LCN window ${h}×${w} at (${top}, ${left}) leaves the ${H}×${W} grid`);
      const k = tf.slice(kernel, [0, top, left, 0], [-1, h, w, -1]);
      const b = tf.slice(this.biasMap!.read(), [top, left, 0], [h, w, -1]);
      return this.apply4d(x, k, b);
    });
  }

  private apply4d(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      // One 4-D multiply-and-sum per output (5-D broadcasting is ~2× slower on wasm).
      const outs = Array.from({ length: this.units }, (_, t) =>
        tf.sum(tf.mul(x, tf.reshape(tf.slice(w, [t, 0, 0, 0], [1, -1, -1, -1]), w.shape.slice(1))), 3),
      );
      return tf.add<tf.Tensor4D>(tf.stack(outs, 3), b);
    });
  }

  /**
   * Smoothness penalty on W and B (paper's optional LCN regulariser): weight × mean |neighbour
   * difference| along latitude and longitude. A scalar; 0 when the weight is 0.
   */
  smoothnessPenalty(): tf.Scalar {
    return tf.tidy(() => {
      if (this.smoothness === 0 || !this.kernel) return tf.scalar(0);
      const terms = [this.kernel.read(), this.biasMap!.read()].map((v) => {
        // kernel [t, h, w, c] and bias [h, w, t]: latitude/longitude are axes 1, 2 or 0, 1.
        const a = v.rank === 4 ? 1 : 0;
        const [h, w] = [v.shape[a] ?? 1, v.shape[a + 1] ?? 1];
        const at = (axis: number, start: number, len: number) => {
          const begin = v.shape.map(() => 0);
          const size = v.shape.map(() => -1);
          begin[axis] = start;
          size[axis] = len;
          return tf.slice(v, begin, size);
        };
        const dy = tf.abs(tf.sub(at(a, 1, h - 1), at(a, 0, h - 1)));
        const dx = tf.abs(tf.sub(at(a + 1, 1, w - 1), at(a + 1, 0, w - 1)));
        return tf.add(tf.mean(dy), tf.mean(dx));
      });
      return tf.mul<tf.Scalar>(tf.addN(terms), this.smoothness);
    });
  }

  /** Replace the bias map (e.g. by the training-mean residual per grid point): [h, w, t]. */
  setBias(values: Float32Array): void {
    const b = this.biasMap!;
    const t = tf.tensor(values, b.shape as number[]);
    b.write(t);
    t.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, smoothness: this.smoothness };
  }
}

tf.serialization.registerClass(LocallyConnected1x1);

/**
 * One array's part of `smoothnessPenalty()` and its gradient, in JavaScript on the flat values (the tensor threads
 * compute it on their chunk of the summed gradient instead of taping it on every thread). `v` is the whole array
 * (row-major `shape`, latitude axis `latAxis`, longitude the next one), `weight` the penalty weight λ. For every
 * element e in lo…hi−1 it adds to grad[e] the derivative of λ·(mean |Δ_lat| + mean |Δ_lon|), with tfjs's
 * derivative of |d| (step(d, −1): +1 for d > 0, else −1, so d = 0 gives −1 as autodiff does); it returns the
 * penalty of the differences whose first element lies in lo…hi−1 (so disjoint ranges add up to the whole).
 * Same value and gradient as autodiff of smoothnessPenalty() up to float32 rounding (sums in another order).
 */
export function addSmoothnessPart(
  v: Float32Array,
  shape: number[],
  latAxis: number,
  weight: number,
  lo: number,
  hi: number,
  grad: Float32Array,
): number {
  const h = shape[latAxis];
  const w = shape[latAxis + 1];
  const colStride = shape.slice(latAxis + 2).reduce((a, b) => a * b, 1);
  const rowStride = w * colStride;
  const size = v.length;
  // Mean over each term's differences: (h − 1)·w·rest and h·(w − 1)·rest of them.
  const cLat = h > 1 ? weight / ((size / h) * (h - 1)) : 0;
  const cLon = w > 1 ? weight / ((size / w) * (w - 1)) : 0;
  // d > 0 ? +c : −c is c · step(d, −1).
  let sumLat = 0;
  let sumLon = 0;
  // Indices of element lo along latitude (i), longitude (j) and the axes after (k), then counted up.
  let k = lo % colStride;
  let j = Math.floor(lo / colStride) % w;
  let i = Math.floor(lo / rowStride) % h;
  for (let e = lo; e < hi; e++) {
    const x = v[e];
    let g = 0;
    // Differences of float32 values in float64: the sign and whether it is 0 are those of the float32 difference.
    if (i > 0) g += x - v[e - rowStride] > 0 ? cLat : -cLat;
    if (i < h - 1) {
      const d = v[e + rowStride] - x;
      if (d > 0) {
        g -= cLat;
        sumLat += d;
      } else {
        g += cLat;
        sumLat -= d;
      }
    }
    if (j > 0) g += x - v[e - colStride] > 0 ? cLon : -cLon;
    if (j < w - 1) {
      const d = v[e + colStride] - x;
      if (d > 0) {
        g -= cLon;
        sumLon += d;
      } else {
        g += cLon;
        sumLon -= d;
      }
    }
    grad[e] += g;
    if (++k === colStride) {
      k = 0;
      if (++j === w) {
        j = 0;
        if (++i === h) i = 0;
      }
    }
  }
  return sumLat * cLat + sumLon * cLon;
}
