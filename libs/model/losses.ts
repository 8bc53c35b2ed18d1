/**
 * Training losses of the mixed model (DESIGN §2.3, PAPER.md "The mixed model and its score"): MSE for BC,
 * closed-form Gaussian CRPS with its analytic gradient for UQ and end-to-end fine-tuning, optional
 * cos(latitude) weighting. All inputs are [b, ny, nx, T] in target-scale units; each loss returns a scalar.
 */
import * as tf from '@tensorflow/tfjs-core';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Element-wise Gaussian CRPS (Gneiting et al. 2005, eq. 5; PAPER.md): z = (y − μ)/σ,
 * CRPS = σ·[z(2Φ(z) − 1) + 2φ(z) − 1/√π]; same units as y, shape kept.
 * Gradients written out (PAPER.md): ∂/∂μ = −(2Φ(z) − 1) = −erf(z/√2), ∂/∂σ = 2φ(z) − 1/√π; y gets none.
 * tfjs's Erf has a registered gradient, but the closed form is cheaper and numerically exact.
 */
const crpsWithGrad = tf.customGrad(((
  mu: tf.Tensor,
  sigma: tf.Tensor,
  y: tf.Tensor,
  save: tf.GradSaveFunc,
) => {
  const z = tf.div(tf.sub(y, mu), sigma);
  const erfz = tf.erf(tf.mul(z, SQRT1_2)); // 2Φ(z) − 1
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(z), -0.5)), INV_SQRT_2PI); // φ(z)
  const value = tf.mul(sigma, tf.sub(tf.add(tf.mul(z, erfz), tf.mul(pdf, 2)), INV_SQRT_PI));
  save([erfz, pdf]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [e, p] = saved;
      return [tf.neg(tf.mul(dy, e)), tf.mul(dy, tf.sub(tf.mul(p, 2), INV_SQRT_PI)), tf.zerosLike(dy)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function gaussianCrpsElementwise(mu: tf.Tensor, sigma: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return crpsWithGrad(mu, sigma, y);
}

/** Weighted mean over every element; `weights` broadcast against x (e.g. [1, ny, nx, 1]) and average to 1. */
function weightedMean(x: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  if (!weights) return tf.mean(x);
  return tf.div(tf.sum(tf.mul(x, weights)), tf.sum(tf.mul(tf.onesLike(x), weights)));
}

/** Mean Gaussian CRPS (scalar, units of y). */
export function gaussianCrpsLoss(
  mu: tf.Tensor,
  sigma: tf.Tensor,
  y: tf.Tensor,
  weights?: tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => weightedMean(gaussianCrpsElementwise(mu, sigma, y), weights));
}

/** Mean squared error (scalar, units of y²). */
export function mseLoss(pred: tf.Tensor, y: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => weightedMean(tf.squaredDifference(pred, y), weights));
}

/**
 * cos(latitude) weights [1, ny, nx, 1], normalised to mean 1 (DESIGN §2 aggregation `weights=coslat`);
 * null when weighting is off.
 */
export function latitudeWeights(latitudes: ArrayLike<number>, ny: number, nx: number): tf.Tensor4D {
  const w = new Float32Array(ny * nx);
  let total = 0;
  for (let i = 0; i < ny; i++) {
    const c = Math.max(0, Math.cos((latitudes[i] * Math.PI) / 180));
    for (let j = 0; j < nx; j++) w[i * nx + j] = c;
    total += c * nx;
  }
  const scale = (ny * nx) / total;
  for (let k = 0; k < w.length; k++) w[k] *= scale;
  return tf.tensor4d(w, [1, ny, nx, 1]);
}
