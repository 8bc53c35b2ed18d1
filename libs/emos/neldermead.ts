/**
 * Nelder–Mead simplex minimisation exactly as SciPy's `scipy.optimize.minimize(method="Nelder-Mead")`
 * (Nelder & Mead 1965, Comput. J. 7; SciPy `_minimize_neldermead`, non-adaptive: ρ = 1, χ = 2, ψ = ½, σ = ½;
 * initial simplex x0 with coordinate k scaled by 1.05, or set to 0.00025 where it is 0; stop when
 * max|x_i − x_0| ≤ xatol and max|f_i − f_0| ≤ fatol, or after maxiter iterations). This is the minimiser
 * IMPROVER's estimate-emos-coefficients uses (`tol` sets xatol = fatol), in float64 (IMPROVER casts its
 * float32 initial guess to float64 before minimising).
 */
import { InvalidArgumentError } from '../contracts/errors.js';

export interface NelderMeadOptions {
  xatol: number;
  fatol: number;
  maxIterations: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  o: NelderMeadOptions,
): NelderMeadResult {
  if (!(o.xatol >= 0 && o.fatol >= 0)) throw new InvalidArgumentError('nelder-mead tolerances must be ≥ 0');
  if (!(Number.isInteger(o.maxIterations) && o.maxIterations > 0))
    throw new InvalidArgumentError(
      `nelder-mead maxIterations must be a positive integer, got ${o.maxIterations}`,
    );
  const N = x0.length;
  let evaluations = 0;
  const F = (x: Float64Array) => {
    evaluations++;
    return f(x);
  };
  let sim: Float64Array[] = [Float64Array.from(x0)];
  for (let k = 0; k < N; k++) {
    const y = Float64Array.from(sim[0]);
    y[k] = y[k] !== 0 ? 1.05 * y[k] : 0.00025;
    sim.push(y);
  }
  let fsim = sim.map((x) => F(x));
  const sort = () => {
    // NumPy's argsort on N + 1 ≤ 16 values is an insertion sort: stable, as Array.prototype.sort.
    const ind = fsim.map((_, i) => i).sort((a, b) => fsim[a] - fsim[b] || a - b);
    sim = ind.map((i) => sim[i]);
    fsim = ind.map((i) => fsim[i]);
  };
  sort();
  const comb = (a: number, xa: Float64Array, b: number, xb: Float64Array) =>
    Float64Array.from(xa, (v, j) => a * v + b * xb[j]);
  let iterations = 1;
  let converged = false;
  while (iterations < o.maxIterations) {
    let dx = 0;
    let df = 0;
    for (let i = 1; i <= N; i++) {
      for (let j = 0; j < N; j++) dx = Math.max(dx, Math.abs(sim[i][j] - sim[0][j]));
      df = Math.max(df, Math.abs(fsim[0] - fsim[i]));
    }
    if (dx <= o.xatol && df <= o.fatol) {
      converged = true;
      break;
    }
    const xbar = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) xbar[j] += sim[i][j];
    for (let j = 0; j < N; j++) xbar[j] /= N;
    const worst = sim[N];
    const xr = comb(2, xbar, -1, worst);
    const fxr = F(xr);
    if (fxr < fsim[0]) {
      const xe = comb(3, xbar, -2, worst);
      const fxe = F(xe);
      if (fxe < fxr) [sim[N], fsim[N]] = [xe, fxe];
      else [sim[N], fsim[N]] = [xr, fxr];
    } else if (fxr < fsim[N - 1]) {
      [sim[N], fsim[N]] = [xr, fxr];
    } else {
      let shrink = false;
      if (fxr < fsim[N]) {
        const xc = comb(1.5, xbar, -0.5, worst);
        const fxc = F(xc);
        if (fxc <= fxr) [sim[N], fsim[N]] = [xc, fxc];
        else shrink = true;
      } else {
        const xcc = comb(0.5, xbar, 0.5, worst);
        const fxcc = F(xcc);
        if (fxcc < fsim[N]) [sim[N], fsim[N]] = [xcc, fxcc];
        else shrink = true;
      }
      if (shrink)
        for (let i = 1; i <= N; i++) {
          sim[i] = Float64Array.from(sim[i], (v, j) => sim[0][j] + 0.5 * (v - sim[0][j]));
          fsim[i] = F(sim[i]);
        }
    }
    iterations++;
    sort();
  }
  return { x: Float64Array.from(sim[0]), f: Math.min(...fsim), iterations, evaluations, converged };
}
