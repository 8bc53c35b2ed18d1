/**
 * Inversion of (∇² − λ)ψ = q on the SpectralGrid: for each zonal wavenumber a tridiagonal system in latitude
 * (the flux-form Laplacian of SpectralGrid.laplacian), factorised once (Thomas algorithm) and reused every step.
 */
import { EARTH_RADIUS, type SpectralGrid } from './spectralGrid.js';

export class HelmholtzSolver {
  private readonly grid: SpectralGrid;
  /** Sub-diagonal, modified super-diagonal and inverse pivots, [m, j]. */
  private readonly lower: Float64Array;
  private readonly upperMod: Float64Array;
  private readonly invPivot: Float64Array;
  private readonly tmpRe: Float64Array;
  private readonly tmpIm: Float64Array;

  /**
   * @param lambda the Helmholtz constant (s⁻² m⁻²·m² = m⁻²): 0 for the barotropic mode, 2F for the baroclinic.
   *   λ = 0 is singular for m = 0 (a constant ψ); it is regularised by a shift of 1e-6 a⁻², which pins the
   *   global mean of ψ near zero and changes the rest of the solution by ~1e-6 relative.
   */
  constructor(grid: SpectralGrid, lambda: number) {
    this.grid = grid;
    const n = grid.nLat;
    const nm = grid.nm;
    const a2 = EARTH_RADIUS * EARTH_RADIUS;
    const d2 = grid.dphi * grid.dphi;
    const shift = lambda > 0 ? lambda : 1e-6 / a2;
    this.lower = new Float64Array(nm * n);
    this.upperMod = new Float64Array(nm * n);
    this.invPivot = new Float64Array(nm * n);
    this.tmpRe = new Float64Array(n);
    this.tmpIm = new Float64Array(n);
    for (let m = 0; m < nm; m++) {
      let prevUpperMod = 0;
      for (let j = 0; j < n; j++) {
        const cu = grid.cosFace[j + 1] / (a2 * d2 * grid.cos[j]);
        const cd = grid.cosFace[j] / (a2 * d2 * grid.cos[j]);
        const diag = -(cu + cd) - (m * m) / (a2 * grid.cos[j] * grid.cos[j]) - shift;
        const lo = j > 0 ? cd : 0;
        const up = j + 1 < n ? cu : 0;
        const pivot = diag - lo * prevUpperMod;
        const k = m * n + j;
        this.lower[k] = lo;
        this.invPivot[k] = 1 / pivot;
        this.upperMod[k] = up / pivot;
        prevUpperMod = this.upperMod[k];
      }
    }
  }

  /** Solve (∇² − λ)ψ = q for every wavenumber; q and ψ are spectral arrays [j, m] (may not alias). */
  solve(qRe: Float64Array, qIm: Float64Array, psiRe: Float64Array, psiIm: Float64Array): void {
    const n = this.grid.nLat;
    const nm = this.grid.nm;
    const yr = this.tmpRe;
    const yi = this.tmpIm;
    for (let m = 0; m < nm; m++) {
      const b = m * n;
      let pr = 0;
      let pi = 0;
      for (let j = 0; j < n; j++) {
        const k = b + j;
        const lo = this.lower[k];
        pr = (qRe[j * nm + m] - lo * pr) * this.invPivot[k];
        pi = (qIm[j * nm + m] - lo * pi) * this.invPivot[k];
        yr[j] = pr;
        yi[j] = pi;
      }
      let xr = 0;
      let xi = 0;
      for (let j = n - 1; j >= 0; j--) {
        const u = this.upperMod[b + j];
        xr = yr[j] - u * xr;
        xi = yi[j] - u * xi;
        psiRe[j * nm + m] = xr;
        psiIm[j * nm + m] = xi;
      }
    }
  }
}
