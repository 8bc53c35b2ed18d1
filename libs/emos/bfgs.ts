/**
 * A small deterministic BFGS minimiser with a strong-Wolfe line search (Nocedal & Wright 2006,
 * "Numerical Optimization", Alg. 6.1 with Alg. 3.5/3.6 and the H₀ scaling of eq. 6.20). Dense n × n
 * inverse-Hessian approximation: meant for the 4 to ~60 EMOS coefficients.
 */

/** Objective value and gradient at x. May return Infinity/NaN outside the feasible region. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface BfgsOptions {
  /** Stop when max |gradient| ≤ gradTol. */
  gradTol: number;
  /** Stop when an iteration lowers f by less than fTol·(|f| + fTol) twice in a row. */
  fTol: number;
  maxIterations: number;
}

export interface BfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: string;
}

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Minimise `fn` from `x0`. Deterministic: no randomness, fixed evaluation order. */
export function bfgs(fn: Objective, x0: Float64Array, opts: BfgsOptions): BfgsResult {
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = fn(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f))
    return { x, f, iterations: 0, evaluations, converged: false, reason: 'non-finite start' };
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  let firstStep = true;
  let smallDecrease = 0;
  const p = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);

  // φ(α) = f(x + αp) with derivative φ'(α) = ∇f·p; evaluates into xNew/gNew.
  const phi = (alpha: number): [number, number] => {
    for (let i = 0; i < n; i++) xNew[i] = x[i] + alpha * p[i];
    const v = fn(xNew, gNew);
    evaluations++;
    return [v, Number.isFinite(v) ? dot(gNew, p) : NaN];
  };

  for (let iter = 1; iter <= opts.maxIterations; iter++) {
    if (Math.max(...Array.from(g, Math.abs)) <= opts.gradTol)
      return { x, f, iterations: iter - 1, evaluations, converged: true, reason: 'gradient tolerance' };
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= H[i * n + j] * g[j];
      p[i] = s;
    }
    let d0 = dot(g, p);
    if (!(d0 < 0)) {
      // Not a descent direction (loss of positive definiteness): restart from steepest descent.
      H.fill(0);
      for (let i = 0; i < n; i++) {
        H[i * n + i] = 1;
        p[i] = -g[i];
      }
      d0 = dot(g, p);
      firstStep = true;
    }
    const alpha0 = firstStep ? Math.min(1, 1 / Math.max(...Array.from(g, Math.abs))) : 1;
    const alpha = wolfeLineSearch(phi, f, d0, alpha0);
    if (alpha === null) {
      if (!firstStep) {
        H.fill(0);
        for (let i = 0; i < n; i++) H[i * n + i] = 1;
        firstStep = true;
        continue;
      }
      return { x, f, iterations: iter, evaluations, converged: false, reason: 'line search failed' };
    }
    const [fNew] = phi(alpha); // re-evaluate at the accepted step to fill xNew/gNew
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
    }
    const sy = dot(s, yv);
    const decrease = f - fNew;
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    f = fNew;
    if (decrease <= opts.fTol * (Math.abs(f) + opts.fTol)) {
      if (++smallDecrease >= 2)
        return { x, f, iterations: iter, evaluations, converged: true, reason: 'function tolerance' };
    } else smallDecrease = 0;
    if (sy > 1e-300) {
      if (firstStep) {
        const scale = sy / dot(yv, yv); // N&W eq. 6.20
        H.fill(0);
        for (let i = 0; i < n; i++) H[i * n + i] = scale;
        firstStep = false;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      const Hy = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += H[i * n + j] * yv[j];
        Hy[i] = t;
      }
      const yHy = dot(yv, Hy);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          H[i * n + j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
    }
  }
  return {
    x,
    f,
    iterations: opts.maxIterations,
    evaluations,
    converged: false,
    reason: 'maximum iterations',
  };
}

/** Strong-Wolfe line search (N&W Alg. 3.5 with zoom Alg. 3.6, cubic-free bisection/secant zoom). */
function wolfeLineSearch(
  phi: (a: number) => [number, number],
  f0: number,
  d0: number,
  alpha1: number,
): number | null {
  let aPrev = 0;
  let fPrev = f0;
  let dPrev = d0;
  let a = alpha1;
  for (let i = 0; i < 40; i++) {
    const [fa, da] = phi(a);
    if (!Number.isFinite(fa)) {
      a = 0.5 * (aPrev + a); // infeasible (σ ≤ 0 or overflow): step back
      continue;
    }
    if (fa > f0 + C1 * a * d0 || (i > 0 && fa >= fPrev)) return zoom(phi, f0, d0, aPrev, fPrev, dPrev, a, fa);
    if (Math.abs(da) <= -C2 * d0) return a;
    if (da >= 0) return zoom(phi, f0, d0, a, fa, da, aPrev, fPrev);
    aPrev = a;
    fPrev = fa;
    dPrev = da;
    a *= 2;
  }
  return null;
}

function zoom(
  phi: (a: number) => [number, number],
  f0: number,
  d0: number,
  lo: number,
  fLo: number,
  dLo: number,
  hi: number,
  _fHi: number,
): number | null {
  for (let i = 0; i < 60; i++) {
    // Minimiser of the quadratic through (lo, fLo, dLo) and (hi, fHi), safeguarded to the inner 80 %.
    const fHi = _fHi;
    const denom = 2 * (fHi - fLo - dLo * (hi - lo));
    let a = denom > 0 ? lo - (dLo * (hi - lo) * (hi - lo)) / denom : 0.5 * (lo + hi);
    const left = Math.min(lo, hi);
    const width = Math.abs(hi - lo);
    if (!(a > left + 0.1 * width && a < left + 0.9 * width)) a = 0.5 * (lo + hi);
    const [fa, da] = phi(a);
    if (!Number.isFinite(fa) || fa > f0 + C1 * a * d0 || fa >= fLo) {
      hi = a;
      _fHi = Number.isFinite(fa) ? fa : Infinity;
    } else {
      if (Math.abs(da) <= -C2 * d0) return a;
      if (da * (hi - lo) >= 0) {
        hi = lo;
        _fHi = fLo;
      }
      lo = a;
      fLo = fa;
      dLo = da;
    }
    if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
  }
  return lo > 0 && fLo < f0 ? lo : null;
}
