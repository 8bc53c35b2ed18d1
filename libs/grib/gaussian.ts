/**
 * Gaussian latitudes: the 2N roots of the Legendre polynomial P_2N(sin φ), north to south, by Newton's method
 * from the asymptotic first guess (as ecCodes' grib_get_gaussian_latitudes; Abramowitz & Stegun 22.16.6).
 */
const cache = new Map<number, Float64Array>();

export function gaussianLatitudes(N: number): Float64Array {
  const hit = cache.get(N);
  if (hit) return hit;
  const n = 2 * N;
  const out = new Float64Array(n);
  for (let i = 0; i < N; i++) {
    // First guess for the i-th root of P_n (cos θ): θ ≈ π(i + 3/4)/(n + 1/2).
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let it = 0; it < 100; it++) {
      // P_n(z) by the three-term recurrence, and its derivative.
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const dp = (n * (p0 - z * p1)) / (1 - z * z);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    const lat = (Math.asin(z) * 180) / Math.PI;
    out[i] = lat;
    out[n - 1 - i] = -lat;
  }
  cache.set(N, out);
  return out;
}
