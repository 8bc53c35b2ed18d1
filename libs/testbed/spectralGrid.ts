/**
 * The model's grid: Fourier in longitude (zonal wavenumbers 0..M, per-row truncation as a polar filter) and
 * finite differences in latitude on cell-centred rows that avoid the poles. Transforms are explicit real DFTs
 * (cos/sin tables): at nx ≈ 48 this is as fast as an FFT in JS and exact for any nx.
 */

/** Earth radius (m) and rotation rate (s⁻¹). */
export const EARTH_RADIUS = 6.371e6;
export const OMEGA = 7.292e-5;

export class SpectralGrid {
  /** Number of latitude rows (south → north), centred at −90 + (j + ½)·Δφ. */
  readonly nLat: number;
  /** Highest zonal wavenumber kept. */
  readonly M: number;
  /** Number of physical longitudes used by the transform method (≥ 3M + 1: no quadratic aliasing). */
  readonly nx: number;
  /** Row spacing (radians). */
  readonly dphi: number;
  readonly lat: Float64Array;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  /** cos φ at the face between row j−1 and j (index j, 0..nLat); 0 at both poles. */
  readonly cosFace: Float64Array;
  /** Polar filter: highest wavenumber kept on row j, floor(M·cos φ_j) (isotropic resolution everywhere). */
  readonly mMax: Int32Array;
  /** cos(m λ_i) and sin(m λ_i), [m, i]. */
  private readonly cosTab: Float64Array;
  private readonly sinTab: Float64Array;
  /** The cos/sin tables [m, i] (read-only use by fused transforms). */
  get cosTable(): Float64Array {
    return this.cosTab;
  }
  get sinTable(): Float64Array {
    return this.sinTab;
  }
  /** Coefficients per row: M + 1 (index j·(M+1) + m). */
  readonly nm: number;
  /** Spectral array size: nLat·(M+1). */
  readonly size: number;

  constructor(nLat: number, M: number, nx: number) {
    this.nLat = nLat;
    this.M = M;
    this.nx = nx;
    this.nm = M + 1;
    this.size = nLat * this.nm;
    this.dphi = Math.PI / nLat;
    this.lat = new Float64Array(nLat);
    this.cos = new Float64Array(nLat);
    this.sin = new Float64Array(nLat);
    this.mMax = new Int32Array(nLat);
    for (let j = 0; j < nLat; j++) {
      const phi = -Math.PI / 2 + (j + 0.5) * this.dphi;
      this.lat[j] = phi;
      this.cos[j] = Math.cos(phi);
      this.sin[j] = Math.sin(phi);
      this.mMax[j] = Math.min(M, Math.floor(M * this.cos[j] + 1e-9));
    }
    this.cosFace = new Float64Array(nLat + 1);
    for (let j = 1; j < nLat; j++) this.cosFace[j] = Math.cos(-Math.PI / 2 + j * this.dphi);
    this.cosTab = new Float64Array(this.nm * nx);
    this.sinTab = new Float64Array(this.nm * nx);
    for (let m = 0; m <= M; m++) {
      for (let i = 0; i < nx; i++) {
        const a = (2 * Math.PI * m * i) / nx;
        this.cosTab[m * nx + i] = Math.cos(a);
        this.sinTab[m * nx + i] = Math.sin(a);
      }
    }
  }

  /** Latitude of row j in degrees. */
  latDeg(j: number): number {
    return (this.lat[j] * 180) / Math.PI;
  }

  /**
   * Inverse real DFT of one row: out[i] = Re c₀ + 2 Σ_{m=1}^{mMax_j} (Re c_m cos mλ_i − Im c_m sin mλ_i).
   * Adds the row's wavenumbers above mMax_j to nothing (polar filter).
   */
  inverseRow(re: Float64Array, im: Float64Array, j: number, out: Float64Array, outOff: number): void {
    const nx = this.nx;
    const base = j * this.nm;
    const mm = this.mMax[j];
    const c0 = re[base];
    for (let i = 0; i < nx; i++) out[outOff + i] = c0;
    const ct = this.cosTab;
    const st = this.sinTab;
    for (let m = 1; m <= mm; m++) {
      const a = 2 * re[base + m];
      const b = 2 * im[base + m];
      if (a === 0 && b === 0) continue;
      const t = m * nx;
      for (let i = 0; i < nx; i++) out[outOff + i] += a * ct[t + i] - b * st[t + i];
    }
  }

  /** Forward real DFT of one row: c_m = (1/nx) Σ_i f_i e^{−i m λ_i}, m ≤ mMax_j; higher m set to 0. */
  forwardRow(f: Float64Array, fOff: number, j: number, re: Float64Array, im: Float64Array): void {
    const nx = this.nx;
    const base = j * this.nm;
    const mm = this.mMax[j];
    const ct = this.cosTab;
    const st = this.sinTab;
    const inv = 1 / nx;
    for (let m = 0; m <= this.M; m++) {
      if (m > mm) {
        re[base + m] = 0;
        im[base + m] = 0;
        continue;
      }
      const t = m * nx;
      let sr = 0;
      let si = 0;
      for (let i = 0; i < nx; i++) {
        const v = f[fOff + i];
        sr += v * ct[t + i];
        si -= v * st[t + i];
      }
      re[base + m] = sr * inv;
      im[base + m] = si * inv;
    }
  }

  /** forwardRow writing into a state-layout array at block offsets (no subarray allocation). */
  forwardRowAt(
    f: Float64Array,
    fOff: number,
    j: number,
    out: Float64Array,
    reOff: number,
    imOff: number,
  ): void {
    const nx = this.nx;
    const base = j * this.nm;
    const mm = this.mMax[j];
    const ct = this.cosTab;
    const st = this.sinTab;
    const inv = 1 / nx;
    for (let m = 0; m <= this.M; m++) {
      if (m > mm) {
        out[reOff + base + m] = 0;
        out[imOff + base + m] = 0;
        continue;
      }
      const t = m * nx;
      let sr = 0;
      let si = 0;
      for (let i = 0; i < nx; i++) {
        const v = f[fOff + i];
        sr += v * ct[t + i];
        si -= v * st[t + i];
      }
      out[reOff + base + m] = sr * inv;
      out[imOff + base + m] = si * inv;
    }
  }

  /** dPhi reading the real and imaginary parts of a state-layout array at offsets reOff/imOff. */
  dPhiAt(src: Float64Array, reOff: number, imOff: number, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.nLat;
    const nm = this.nm;
    const s = 1 / (2 * this.dphi);
    for (let j = 0; j < n; j++) {
      for (let m = 0; m < nm; m++) {
        const sign = (m & 1) === 0 ? 1 : -1;
        const k = j * nm + m;
        const up = j + 1 < n ? k + nm : k;
        const dn = j > 0 ? k - nm : k;
        const su = j + 1 < n ? 1 : sign;
        const sd = j > 0 ? 1 : sign;
        outRe[k] = (su * src[reOff + up] - sd * src[reOff + dn]) * s;
        outIm[k] = (su * src[imOff + up] - sd * src[imOff + dn]) * s;
      }
    }
  }

  /** Zero the wavenumbers above each row's mMax (keeps states inside the polar filter). */
  truncate(re: Float64Array, im: Float64Array): void {
    for (let j = 0; j < this.nLat; j++) {
      const base = j * this.nm;
      for (let m = this.mMax[j] + 1; m <= this.M; m++) {
        re[base + m] = 0;
        im[base + m] = 0;
      }
    }
  }

  /**
   * Centred meridional derivative ∂c/∂φ (per radian) of spectral coefficients; the ghost row across a pole
   * is the same latitude on the opposite meridian, i.e. (−1)^m times the edge row.
   */
  dPhi(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.nLat;
    const nm = this.nm;
    const s = 1 / (2 * this.dphi);
    for (let j = 0; j < n; j++) {
      for (let m = 0; m < nm; m++) {
        const sign = m % 2 === 0 ? 1 : -1;
        const k = j * nm + m;
        const upRe = j + 1 < n ? re[k + nm] : sign * re[k];
        const upIm = j + 1 < n ? im[k + nm] : sign * im[k];
        const dnRe = j > 0 ? re[k - nm] : sign * re[k];
        const dnIm = j > 0 ? im[k - nm] : sign * im[k];
        outRe[k] = (upRe - dnRe) * s;
        outIm[k] = (upIm - dnIm) * s;
      }
    }
  }

  /**
   * Spherical Laplacian (per a² omitted: result × a⁻²) in flux form,
   * ∇²c = [cos_{j+½}(c_{j+1}−c_j) − cos_{j−½}(c_j−c_{j−1})]/(a²Δφ² cos_j) − m² c_j/(a² cos²_j).
   */
  laplacian(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.nLat;
    const nm = this.nm;
    const a2 = EARTH_RADIUS * EARTH_RADIUS;
    const d2 = this.dphi * this.dphi;
    for (let j = 0; j < n; j++) {
      const cu = this.cosFace[j + 1] / (a2 * d2 * this.cos[j]);
      const cd = this.cosFace[j] / (a2 * d2 * this.cos[j]);
      const cm = 1 / (a2 * this.cos[j] * this.cos[j]);
      for (let m = 0; m < nm; m++) {
        const k = j * nm + m;
        const diag = -(cu + cd) - m * m * cm;
        let r = diag * re[k];
        let i = diag * im[k];
        if (j + 1 < n) {
          r += cu * re[k + nm];
          i += cu * im[k + nm];
        }
        if (j > 0) {
          r += cd * re[k - nm];
          i += cd * im[k - nm];
        }
        outRe[k] = r;
        outIm[k] = i;
      }
    }
  }
}
