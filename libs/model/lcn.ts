/**
 * Locally connected per-grid-point linear layer (LCN) that ends the BC network (Grönquist et al. 2021,
 * §BC; reference code "LCN"): out[b,i,j,t] = Σ_c W[i,j,c,t]·x[b,i,j,c] + B[i,j,t]. Adds nothing to the
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
    this.kernel = this.addWeight('kernel', [h, w, c, this.units], 'float32', initializers.zeros());
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
      const w = this.kernel!.read(); // [h, w, c, t]
      const b = this.biasMap!.read(); // [h, w, t]
      // Σ_c x[b,i,j,c]·W[i,j,c,t]: broadcast x to [b,h,w,c,1] against W [h,w,c,t] and sum over c.
      const prod = tf.mul(tf.expandDims(x, 4), w);
      return tf.add(tf.sum(prod, 3), b);
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
        const [h, w] = v.shape;
        const dy = tf.abs(tf.sub(tf.slice(v, [1], [h - 1]), tf.slice(v, [0], [h - 1])));
        const dx = tf.abs(tf.sub(tf.slice(v, [0, 1], [-1, w - 1]), tf.slice(v, [0, 0], [-1, w - 1])));
        return tf.add(tf.mean(dy), tf.mean(dx));
      });
      return tf.mul<tf.Scalar>(tf.addN(terms), this.smoothness);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, smoothness: this.smoothness };
  }
}

tf.serialization.registerClass(LocallyConnected1x1);
