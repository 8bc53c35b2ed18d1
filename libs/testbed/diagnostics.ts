/**
 * From the model state to ERA5-like fields on the output lat–lon grid (docs/testbed.md §4):
 *   z_p = Z̄_p + f ψ_p + seasonal + trend            (linear balance, f = 2Ω sin φ; m² s⁻²)
 *   t850 = T̄ + f(ψ₁ − ψ₂)/(R ln(850/500)) + …        (hypsometric: thickness ∝ layer temperature; K)
 *   u = −(1/a)∂ψ/∂φ, v = (1/(a cos φ))∂ψ/∂λ           (m s⁻¹)
 *   q = RH(ζ) · q_sat(T, p)                            (kg kg⁻¹; Bolton 1980 saturation vapour pressure)
 * Latitude: cubic Lagrange interpolation of the Fourier coefficients (ghost rows across the poles);
 * longitude: exact evaluation of the truncated Fourier series at the output longitudes.
 */
import { EARTH_RADIUS, OMEGA, type SpectralGrid } from './spectralGrid.js';

const R_DRY = 287.05;
const LN_850_500 = Math.log(850 / 500);
const DAY = 86400;
/** Reference year of the warming trend. */
const TREND_YEAR0 = 2000;

/** A regular global output grid, latitudes 90 → −90 and longitudes 0 → 360 − Δ, like ERA5. */
export interface OutputGrid {
  lat: Float64Array;
  lon: Float64Array;
}

export function regularGrid(deg: number): OutputGrid {
  const nLat = Math.round(180 / deg) + 1;
  const nLon = Math.round(360 / deg);
  return {
    lat: Float64Array.from({ length: nLat }, (_, j) => 90 - j * deg),
    lon: Float64Array.from({ length: nLon }, (_, i) => i * deg),
  };
}

/** Systematic output errors of the imperfect model (flow-dependent), zero for the truth. */
export interface OutputBias {
  /** Constant T850 offset (K). */
  t850: number;
  /** T850 error per m s⁻¹ of poleward lower-layer wind (K s m⁻¹): warm-advection regimes run warm. */
  t850PerPolewardWind: number;
  /** Z500 error per unit of (upper-layer relative vorticity × sign f)/1e-5 s⁻¹ (m² s⁻²): troughs too shallow. */
  z500PerVorticity: number;
}

export const NO_BIAS: OutputBias = { t850: 0, t850PerPolewardWind: 0, z500PerVorticity: 0 };

/** The five variables, each [level (500, 850), lat, lon] for one time and member. */
export interface LevelFields {
  z: Float32Array;
  t: Float32Array;
  u: Float32Array;
  v: Float32Array;
  q: Float32Array;
}

export interface ClimateOptions {
  /** Warming trend of T (K per year since 2000); Z500 rises with the 850–500 hPa thickness. */
  trendKPerYear: number;
  /** Scale of the model's streamfunction in the geopotential (dimensionless; Earth-like amplitudes). */
  zScale: number;
  /** Scale of the model's thickness in temperature. */
  tScale: number;
}

export class Diagnostics {
  readonly grid: SpectralGrid;
  readonly out: OutputGrid;
  readonly nLat: number;
  readonly nLon: number;
  private readonly climate: ClimateOptions;
  /** Stencil rows/weights per output row (4 each; negative row = ghost across a pole, encoded). */
  private readonly stRow: Int32Array;
  private readonly stW: Float64Array;
  private readonly stFlip: Uint8Array;
  private readonly mOut: Int32Array;
  private readonly cosTab: Float64Array;
  private readonly sinTab: Float64Array;
  private readonly coefRe: Float64Array;
  private readonly coefIm: Float64Array;
  private readonly work: Float64Array[];
  private readonly phys: Float64Array[];

  constructor(grid: SpectralGrid, out: OutputGrid, climate: ClimateOptions) {
    this.grid = grid;
    this.out = out;
    this.climate = climate;
    this.nLat = out.lat.length;
    this.nLon = out.lon.length;
    this.stRow = new Int32Array(4 * this.nLat);
    this.stW = new Float64Array(4 * this.nLat);
    this.stFlip = new Uint8Array(4 * this.nLat);
    this.mOut = new Int32Array(this.nLat);
    const n = grid.nLat;
    for (let jo = 0; jo < this.nLat; jo++) {
      const phi = out.lat[jo];
      const x = (phi + 90) / (180 / n) - 0.5;
      const j0 = Math.floor(x);
      const t = x - j0;
      const w = [
        (-t * (t - 1) * (t - 2)) / 6,
        ((t + 1) * (t - 1) * (t - 2)) / 2,
        (-(t + 1) * t * (t - 2)) / 2,
        ((t + 1) * t * (t - 1)) / 6,
      ];
      for (let s = 0; s < 4; s++) {
        let j = j0 - 1 + s;
        let flip = 0;
        if (j < 0) {
          j = -1 - j;
          flip = 1;
        } else if (j >= n) {
          j = 2 * n - 1 - j;
          flip = 1;
        }
        this.stRow[4 * jo + s] = j;
        this.stW[4 * jo + s] = w[s];
        this.stFlip[4 * jo + s] = flip;
      }
      const c = Math.cos((phi * Math.PI) / 180);
      this.mOut[jo] = Math.abs(phi) >= 90 - 1e-9 ? 0 : Math.min(grid.M, Math.floor(grid.M * c + 1e-9));
    }
    this.cosTab = new Float64Array(grid.nm * this.nLon);
    this.sinTab = new Float64Array(grid.nm * this.nLon);
    for (let m = 0; m < grid.nm; m++) {
      for (let i = 0; i < this.nLon; i++) {
        const a = (m * out.lon[i] * Math.PI) / 180;
        this.cosTab[m * this.nLon + i] = Math.cos(a);
        this.sinTab[m * this.nLon + i] = Math.sin(a);
      }
    }
    this.coefRe = new Float64Array(this.nLat * grid.nm);
    this.coefIm = new Float64Array(this.nLat * grid.nm);
    this.work = Array.from({ length: 4 }, () => new Float64Array(grid.size));
    const np = this.nLat * this.nLon;
    // ψ₁, ψ₂, u₁, u₂, v₁, v₂, ζ₁, ζ₂ on the output grid.
    this.phys = Array.from({ length: 8 }, () => new Float64Array(np));
  }

  /** Evaluate spectral coefficients [j, m] (model rows) on the output grid; `derivLon` multiplies by i·m. */
  private toOutput(re: Float64Array, im: Float64Array, derivLon: boolean, dst: Float64Array): void {
    const g = this.grid;
    const nm = g.nm;
    const cr = this.coefRe;
    const ci = this.coefIm;
    for (let jo = 0; jo < this.nLat; jo++) {
      for (let m = 0; m < nm; m++) {
        let sr = 0;
        let si = 0;
        for (let s = 0; s < 4; s++) {
          const j = this.stRow[4 * jo + s];
          const w = this.stFlip[4 * jo + s] && m % 2 === 1 ? -this.stW[4 * jo + s] : this.stW[4 * jo + s];
          sr += w * re[j * nm + m];
          si += w * im[j * nm + m];
        }
        cr[jo * nm + m] = derivLon ? -m * si : sr;
        ci[jo * nm + m] = derivLon ? m * sr : si;
      }
    }
    const nLon = this.nLon;
    for (let jo = 0; jo < this.nLat; jo++) {
      const off = jo * nLon;
      const c0 = cr[jo * nm];
      for (let i = 0; i < nLon; i++) dst[off + i] = c0;
      for (let m = 1; m <= this.mOut[jo]; m++) {
        const a = 2 * cr[jo * nm + m];
        const b = 2 * ci[jo * nm + m];
        const t = m * nLon;
        for (let i = 0; i < nLon; i++) dst[off + i] += a * this.cosTab[t + i] - b * this.sinTab[t + i];
      }
    }
  }

  /**
   * Fill `dst` (each variable [level, lat, lon]) at offset `off` from the model streamfunctions `psi`
   * (state layout) valid at tSec, with the member model's output bias when given.
   */
  fill(psi: Float64Array, tSec: number, bias: OutputBias, dst: LevelFields, off: number): void {
    const g = this.grid;
    const n = g.size;
    const [dRe, dIm, lRe, lIm] = this.work;
    const ph = this.phys;
    for (let layer = 0; layer < 2; layer++) {
      const re = psi.subarray(2 * n * layer, 2 * n * layer + n);
      const im = psi.subarray(2 * n * layer + n, 2 * n * layer + 2 * n);
      this.toOutput(re, im, false, ph[layer]);
      g.dPhi(re, im, dRe, dIm);
      this.toOutput(dRe, dIm, false, ph[2 + layer]);
      this.toOutput(re, im, true, ph[4 + layer]);
      g.laplacian(re, im, lRe, lIm);
      this.toOutput(lRe, lIm, false, ph[6 + layer]);
    }
    const year = tSec / (365.2425 * DAY) + 1970;
    const trend = this.climate.trendKPerYear * (year - TREND_YEAR0);
    const doy = (((tSec / DAY) % 365.2425) + 365.2425) % 365.2425;
    const season = Math.cos((2 * Math.PI * (doy - 200)) / 365.2425);
    const nLon = this.nLon;
    const np = this.nLat * nLon;
    for (let jo = 0; jo < this.nLat; jo++) {
      const phi = (this.out.lat[jo] * Math.PI) / 180;
      const sinp = Math.sin(phi);
      const cosp = Math.cos(phi);
      const f = 2 * OMEGA * sinp;
      const sgn = phi >= 0 ? 1 : -1;
      const acos = EARTH_RADIUS * cosp;
      // Summer hemisphere warmer (land heating), more so at high latitudes.
      const tSeason = 6 * sinp * season + trend;
      const lapse = 14 + 14 * cosp * cosp;
      for (let i = 0; i < nLon; i++) {
        const p = jo * nLon + i;
        const psi1 = ph[0][p];
        const psi2 = ph[1][p];
        const u1 = -ph[2][p] / EARTH_RADIUS;
        const u2 = -ph[3][p] / EARTH_RADIUS;
        const v1 = acos > 1e-6 ? ph[4][p] / acos : 0;
        const v2 = acos > 1e-6 ? ph[5][p] / acos : 0;
        const zeta1 = ph[6][p];
        const zeta2 = ph[7][p];
        const thickT = (this.climate.tScale * f * (psi1 - psi2)) / (R_DRY * LN_850_500);
        let t850 = 262 + thickT + tSeason;
        t850 += bias.t850 + bias.t850PerPolewardWind * v2 * sgn;
        const t500 = t850 - lapse;
        let z500 = 55200 + this.climate.zScale * f * psi1 + R_DRY * LN_850_500 * tSeason;
        z500 += (bias.z500PerVorticity * zeta1 * sgn) / 1e-5;
        const z850 = 14000 + this.climate.zScale * f * psi2;
        const rh850 = clamp(0.62 + 0.3 * Math.tanh((zeta2 * sgn) / 3e-5) - 0.25 * sinp * sinp, 0.05, 1);
        const rh500 = clamp(0.5 + 0.35 * Math.tanh((zeta1 * sgn) / 3e-5) - 0.2 * sinp * sinp, 0.03, 1);
        const o500 = off + p;
        const o850 = off + np + p;
        dst.z[o500] = z500;
        dst.z[o850] = z850;
        dst.t[o500] = t500;
        dst.t[o850] = t850;
        dst.u[o500] = u1;
        dst.u[o850] = u2;
        dst.v[o500] = v1;
        dst.v[o850] = v2;
        dst.q[o500] = rh500 * qSat(t500, 50000);
        dst.q[o850] = rh850 * qSat(t850, 85000);
      }
    }
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Saturation specific humidity (kg kg⁻¹) at T (K), p (Pa): Bolton (1980) e_s, q = 0.622 e_s / (p − 0.378 e_s). */
export function qSat(t: number, p: number): number {
  const es = 611.2 * Math.exp((17.67 * (t - 273.15)) / (t - 29.65));
  return (0.622 * es) / (p - 0.378 * es);
}
