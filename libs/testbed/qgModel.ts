/**
 * Two-layer quasi-geostrophic (Phillips) model on the sphere, Fourier in longitude and finite differences in
 * latitude (docs/testbed.md §2):
 *   q₁ = ∇²ψ₁ + F(ψ₂ − ψ₁),  q₂ = ∇²ψ₂ + F(ψ₁ − ψ₂) + h
 *   ∂q_k/∂t = −J(ψ_k, q_k) − β ∂ψ_k/∂x ± F(τ − τ_eq)/τ_R − δ_k2 ∇²ψ₂/τ_E − ν∇⁴q_k + S_k
 * with τ = ψ₁ − ψ₂ (the thickness, ∝ layer temperature), S the stochastic forcing (truth only).
 * State layout: one Float64Array [q₁ re, q₁ im, q₂ re, q₂ im], each block `grid.size` long.
 */
import { HelmholtzSolver } from './helmholtz.js';
import type { QgParams } from './qgParams.js';
import { EARTH_RADIUS, OMEGA, type SpectralGrid } from './spectralGrid.js';

const DAY = 86400;

export class QgModel {
  readonly grid: SpectralGrid;
  readonly params: QgParams;
  /** F = 1/(2 L_d²) (m⁻²). */
  readonly F: number;
  private readonly bt: HelmholtzSolver;
  private readonly bc: HelmholtzSolver;
  private readonly nu4: number;
  /** Topographic PV term h of the lower layer, spectral [re | im]. */
  readonly topo: Float64Array;
  /** Unit equilibrium thickness profile τ_eq(φ)/U (m s⁻¹ → m² s⁻¹ per m s⁻¹ of shear), m = 0, per row and hemisphere. */
  private readonly tauShapeN: Float64Array;
  private readonly tauShapeS: Float64Array;
  private readonly w: Record<string, Float64Array>;
  private readonly rowA: Float64Array;
  private readonly rowB: Float64Array;
  private readonly rowC: Float64Array;
  private readonly rowD: Float64Array;

  constructor(grid: SpectralGrid, params: QgParams, topo: Float64Array) {
    this.grid = grid;
    this.params = params;
    const ld = params.deformationRadiusKm * 1e3;
    this.F = 1 / (2 * ld * ld);
    this.bt = new HelmholtzSolver(grid, 0);
    this.bc = new HelmholtzSolver(grid, 2 * this.F);
    const kx = grid.M / EARTH_RADIUS;
    const ky = 2 / (EARTH_RADIUS * grid.dphi);
    const k2 = kx * kx + ky * ky;
    this.nu4 = 1 / (params.hyperHours * 3600 * k2 * k2);
    this.topo = topo;
    this.tauShapeN = new Float64Array(grid.nLat);
    this.tauShapeS = new Float64Array(grid.nLat);
    this.buildTauShape();
    const n = grid.size;
    const names = ['aRe', 'aIm', 'bRe', 'bIm', 'cRe', 'cIm', 'dRe', 'dIm', 'nl', 'lap1', 'lap2'];
    this.w = {};
    for (const k of names) this.w[k] = new Float64Array(k === 'nl' ? grid.nLat * grid.nx : 2 * n);
    this.rowA = new Float64Array(grid.nx);
    this.rowB = new Float64Array(grid.nx);
    this.rowC = new Float64Array(grid.nx);
    this.rowD = new Float64Array(grid.nx);
  }

  /**
   * Equilibrium thickness per unit shear: shear profile s(φ) = exp(−((|φ|−φ_jet)/15°)²) (m s⁻¹ per m s⁻¹),
   * τ_eq(φ) = −a ∫ s dφ, split into northern and southern parts so each hemisphere has its own season.
   */
  private buildTauShape(): void {
    const g = this.grid;
    const jet = (this.params.jetLatDeg * Math.PI) / 180;
    const width = (15 * Math.PI) / 180;
    let accN = 0;
    let accS = 0;
    for (let j = 0; j < g.nLat; j++) {
      const phi = g.lat[j];
      const s = Math.exp(-(((Math.abs(phi) - jet) / width) ** 2));
      if (phi >= 0) accN -= EARTH_RADIUS * g.dphi * s;
      else accS -= EARTH_RADIUS * g.dphi * s;
      this.tauShapeN[j] = accN;
      this.tauShapeS[j] = accS;
    }
    // Centre each so that the area mean is zero (a constant τ carries no flow).
    for (const arr of [this.tauShapeN, this.tauShapeS]) {
      let num = 0;
      let den = 0;
      for (let j = 0; j < g.nLat; j++) {
        num += arr[j] * g.cos[j];
        den += g.cos[j];
      }
      for (let j = 0; j < g.nLat; j++) arr[j] -= num / den;
    }
  }

  /** Seasonal shear factor of each hemisphere at `tSec` (epoch seconds): winter (Jan NH / Jul SH) stronger. */
  shearFactors(tSec: number): { north: number; south: number } {
    const doy = (((tSec / DAY) % 365.2425) + 365.2425) % 365.2425;
    const c = Math.cos((2 * Math.PI * (doy - 15)) / 365.2425);
    const s = this.params.seasonalShear;
    return { north: 1 + s * c, south: 1 - s * c };
  }

  /** Equilibrium thickness τ_eq (m² s⁻¹) on row j at time tSec (zonally uniform). */
  tauEq(j: number, tSec: number): number {
    const { north, south } = this.shearFactors(tSec);
    return this.tauEqWith(j, north, south);
  }

  private tauEqWith(j: number, north: number, south: number): number {
    return this.params.shearMs * (north * this.tauShapeN[j] + south * this.tauShapeS[j]);
  }

  /** PV inversion: ψ₁, ψ₂ from q₁, q₂ (barotropic/baroclinic decomposition). */
  invert(q: Float64Array, psi: Float64Array): void {
    const g = this.grid;
    const n = g.size;
    const { aRe, aIm, bRe, bIm } = this.w;
    const h = this.topo;
    for (let k = 0; k < n; k++) {
      aRe[k] = 0.5 * (q[k] + q[2 * n + k] - h[k]);
      aIm[k] = 0.5 * (q[n + k] + q[3 * n + k] - h[n + k]);
      bRe[k] = 0.5 * (q[k] - q[2 * n + k] + h[k]);
      bIm[k] = 0.5 * (q[n + k] - q[3 * n + k] + h[n + k]);
    }
    // The barotropic Laplacian has a constant null space: remove the area mean of its m = 0 source.
    let num = 0;
    let den = 0;
    for (let j = 0; j < g.nLat; j++) {
      num += aRe[j * g.nm] * g.cos[j];
      den += g.cos[j];
    }
    for (let j = 0; j < g.nLat; j++) {
      aRe[j * g.nm] -= num / den;
      aIm[j * g.nm] = 0;
      bIm[j * g.nm] = 0;
    }
    const { cRe, cIm, dRe, dIm } = this.w;
    this.bt.solve(aRe, aIm, cRe, cIm);
    this.bc.solve(bRe, bIm, dRe, dIm);
    for (let k = 0; k < n; k++) {
      psi[k] = cRe[k] + dRe[k];
      psi[n + k] = cIm[k] + dIm[k];
      psi[2 * n + k] = cRe[k] - dRe[k];
      psi[3 * n + k] = cIm[k] - dIm[k];
    }
  }

  /** PV from streamfunctions (the forward of `invert`): q₁ = ∇²ψ₁ + F(ψ₂−ψ₁), q₂ = ∇²ψ₂ + F(ψ₁−ψ₂) + h. */
  pvFromPsi(psi: Float64Array, q: Float64Array): void {
    const g = this.grid;
    const n = g.size;
    for (let layer = 0; layer < 2; layer++) {
      const o = 2 * n * layer;
      g.laplacian(psi.subarray(o, o + n), psi.subarray(o + n, o + 2 * n), q.subarray(o), q.subarray(o + n));
    }
    for (let k = 0; k < 2 * n; k++) {
      const d = this.F * (psi[2 * n + k] - psi[k]);
      q[k] += d;
      q[2 * n + k] += -d + this.topo[k];
    }
  }

  /**
   * out = −J(ψ_k, q_k) − β v_k for both layers (transform method), spectral. The four inverse transforms of a
   * row (ψ_φ, ψ_λ, q_φ, q_λ) share one pass over the cos/sin tables.
   */
  advection(q: Float64Array, psi: Float64Array, out: Float64Array): void {
    const g = this.grid;
    const n = g.size;
    const nm = g.nm;
    const nx = g.nx;
    const a = EARTH_RADIUS;
    const { aRe, aIm, bRe, bIm, nl } = this.w;
    const A = this.rowA;
    const B = this.rowB;
    const C = this.rowC;
    const D = this.rowD;
    const ct = g.cosTable;
    const st = g.sinTable;
    for (let layer = 0; layer < 2; layer++) {
      const o = 2 * n * layer;
      g.dPhiAt(psi, o, o + n, aRe, aIm);
      g.dPhiAt(q, o, o + n, bRe, bIm);
      for (let j = 0; j < g.nLat; j++) {
        const base = j * nm;
        const mm = g.mMax[j];
        const a0 = aRe[base];
        const c0 = bRe[base];
        for (let i = 0; i < nx; i++) {
          A[i] = a0;
          B[i] = 0;
          C[i] = c0;
          D[i] = 0;
        }
        for (let m = 1; m <= mm; m++) {
          const k = base + m;
          const ar = 2 * aRe[k];
          const ai = 2 * aIm[k];
          const br = -2 * m * psi[o + n + k];
          const bi = 2 * m * psi[o + k];
          const cr = 2 * bRe[k];
          const ci = 2 * bIm[k];
          const dr = -2 * m * q[o + n + k];
          const di = 2 * m * q[o + k];
          const t = m * nx;
          for (let i = 0; i < nx; i++) {
            const c = ct[t + i];
            const sn = st[t + i];
            A[i] += ar * c - ai * sn;
            B[i] += br * c - bi * sn;
            C[i] += cr * c - ci * sn;
            D[i] += dr * c - di * sn;
          }
        }
        const inva = 1 / a;
        const invAcos = 1 / (a * g.cos[j]);
        const beta = (2 * OMEGA * g.cos[j]) / a;
        const off = j * nx;
        for (let i = 0; i < nx; i++) {
          const u = -A[i] * inva;
          const v = B[i] * invAcos;
          nl[off + i] = -(u * D[i] * invAcos + v * (C[i] * inva + beta));
        }
      }
      for (let j = 0; j < g.nLat; j++) g.forwardRowAt(nl, j * nx, j, out, o, o + n);
    }
  }

  /**
   * Adds the (lagged, for leapfrog stability) linear forcing and dissipation to `out`: thermal relaxation of
   * τ = ψ₁ − ψ₂ towards τ_eq, Ekman drag on the lower layer and ∇⁴ hyperdiffusion of q₁ and q₂ − h.
   */
  addDissipation(q: Float64Array, psi: Float64Array, tSec: number, out: Float64Array): void {
    const g = this.grid;
    const n = g.size;
    const nm = g.nm;
    const F = this.F;
    const invTr = 1 / (this.params.radiativeDays * DAY);
    const invTe = 1 / (this.params.ekmanDays * DAY);
    for (let k = 0; k < 2 * n; k++) {
      const th = F * (psi[k] - psi[2 * n + k]) * invTr;
      out[k] += th;
      out[2 * n + k] -= th;
    }
    const { north, south } = this.shearFactors(tSec);
    for (let j = 0; j < g.nLat; j++) {
      const th = F * this.tauEqWith(j, north, south) * invTr;
      out[j * nm] -= th;
      out[2 * n + j * nm] += th;
    }
    // Ekman drag: −ζ₂/τ_E with ζ₂ = ∇²ψ₂.
    const { lap1, lap2 } = this.w;
    g.laplacian(psi.subarray(2 * n, 3 * n), psi.subarray(3 * n, 4 * n), lap1, lap1.subarray(n));
    for (let k = 0; k < 2 * n; k++) out[2 * n + k] -= lap1[k] * invTe;
    // Hyperdiffusion: −ν ∇²∇² of q₁ and of q₂ − h.
    const h = this.topo;
    for (let layer = 0; layer < 2; layer++) {
      const o = 2 * n * layer;
      for (let k = 0; k < 2 * n; k++) lap2[k] = q[o + k] - (layer === 1 ? h[k] : 0);
      g.laplacian(lap2, lap2.subarray(n), lap1, lap1.subarray(n));
      // Keep the intermediate inside the polar filter: m²/cos²φ would otherwise explode near the poles.
      g.truncate(lap1, lap1.subarray(n));
      g.laplacian(lap1, lap1.subarray(n), lap2, lap2.subarray(n));
      for (let k = 0; k < 2 * n; k++) out[o + k] -= this.nu4 * lap2[k];
    }
  }
}
