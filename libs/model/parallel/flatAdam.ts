/**
 * Adam on a flat float32 parameter vector in JavaScript, a range at a time, computing exactly (bitwise) what
 * tfjs-core 4.22's AdamOptimizer.applyGradients computes with float32 tensor ops (Kingma & Ba 2015, Algorithm 1,
 * in tfjs's formulation: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − lr · (m / (1 − β₁ᵗ)) /
 * (√(v / (1 − β₂ᵗ)) + ε), with β₁ᵗ, β₂ᵗ kept as float32 running products).
 *
 * Why: tfjs's Adam runs ~10 tensor ops per variable (≈ 400 kernel calls for the recipe network) and every tensor
 * thread ran all of it on the whole parameter vector; here each thread updates only its chunk of the summed
 * gradient (ShardGroup.reduceGradients), while it is hot in cache, and the threads read the new weights back.
 *
 * Bitwise equality: every tfjs op here is one IEEE-754 float32 operation (mul, add, div, sqrt, square) with
 * float32 scalars; in JavaScript each is done in float64 and rounded with Math.fround. For +, −, ×, ÷ and √ of
 * float32 operands, rounding the float64 result to float32 gives the correctly rounded float32 result, because
 * 53 ≥ 2·24 + 2 (Figueroa 1995, "When is double rounding innocuous?", SIGNUM Newsletter 30(3)). The scalars are
 * rounded as tfjs does (scalar(1 − β₁) of the float64 difference; the backend's ε; −lr).
 */
const f = Math.fround;

export class FlatAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly oneMinusBeta1: number;
  private readonly oneMinusBeta2: number;
  private readonly epsilon: number;
  /** β₁ᵗ and β₂ᵗ as tfjs's accBeta variables (float32; start at β, multiplied by β after each update). */
  private accBeta1: number;
  private accBeta2: number;
  private negLearningRate: number;

  constructor(
    readonly length: number,
    learningRate: number,
    /** The backend's epsilon (tf.backend().epsilon(): 1e-7 on float32 backends), tfjs Adam's default ε. */
    epsilon: number,
    beta1 = 0.9,
    beta2 = 0.999,
  ) {
    this.m = new Float32Array(length);
    this.v = new Float32Array(length);
    this.beta1 = f(beta1);
    this.beta2 = f(beta2);
    this.oneMinusBeta1 = f(1 - beta1);
    this.oneMinusBeta2 = f(1 - beta2);
    this.epsilon = f(epsilon);
    this.accBeta1 = f(beta1);
    this.accBeta2 = f(beta2);
    this.negLearningRate = f(-learningRate);
  }

  setLearningRate(lr: number): void {
    this.negLearningRate = f(-lr);
  }

  /**
   * Update values lo…hi−1 of the vector: `weights` holds the current values, `grads` the gradients; on return
   * `out` (may be `grads`) holds the new values and `weights` too. Indices are of the whole vector. Call `finish()`
   * once per step after every range of the step (all ranges use the same β₁ᵗ, β₂ᵗ).
   */
  update(lo: number, hi: number, weights: Float32Array, grads: Float32Array, out: Float32Array): void {
    const { m, v, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negLearningRate } = this;
    const oneMinusAcc1 = Math.fround(1 - this.accBeta1);
    const oneMinusAcc2 = Math.fround(1 - this.accBeta2);
    for (let i = lo; i < hi; i++) {
      const g = grads[i];
      const mi = Math.fround(Math.fround(m[i] * beta1) + Math.fround(g * oneMinusBeta1));
      const vi = Math.fround(Math.fround(v[i] * beta2) + Math.fround(Math.fround(g * g) * oneMinusBeta2));
      m[i] = mi;
      v[i] = vi;
      const mHat = Math.fround(mi / oneMinusAcc1);
      const vHat = Math.fround(vi / oneMinusAcc2);
      const w = Math.fround(
        Math.fround(
          Math.fround(mHat / Math.fround(Math.fround(Math.sqrt(vHat)) + epsilon)) * negLearningRate,
        ) + weights[i],
      );
      weights[i] = w;
      out[i] = w;
    }
  }

  /** End of a step: β₁ᵗ ← β₁ᵗ·β₁, β₂ᵗ ← β₂ᵗ·β₂ (float32, as tfjs). */
  finish(): void {
    this.accBeta1 = f(this.accBeta1 * this.beta1);
    this.accBeta2 = f(this.accBeta2 * this.beta2);
  }
}
