/**
 * Error model 2 (docs/testbed.md §8, pre-registered): each raw member's output fields are displaced along
 * that member's own steering wind (a phase-speed lag) and their large anomalies damped (a non-linear
 * amplitude error). Deterministic given the member's fields; no random draw, no dependence on vorticity.
 */
import { EARTH_RADIUS } from './spectralGrid.js';
import type { LevelFields, OutputGrid } from './diagnostics.js';

export interface DisplacedErrorParams {
  /** Fraction ε of the distance travelled by which features lag: x̃(p) = x(p + ε τ V(p)). */
  lag: number;
  /** Largest relative damping δ of an anomaly, reached at `fullLeadHours`. */
  amplitude: number;
  /** Anomaly scale of the damping in row rms units: tanh²(a / (scale · s)). */
  amplitudeScale: number;
  /** Lead time (h) at which the amplitude error reaches δ (linear growth from 0 at τ = 0). */
  fullLeadHours: number;
  /** Latitude (deg) whose cosine bounds the zonal offset near the poles. */
  capLatDeg: number;
}

/**
 * §8: ε = 1 − sin(kΔx)/(kΔx) for wavenumber 7 at 45° on a 6° grid (second-order centred advection),
 * δ = 0.15 at 48 h (≈ 10 % under-deepening of intense features at 3 s), scale 2 s, cap at 87°.
 */
export const DISPLACED_ERRORS: DisplacedErrorParams = {
  lag: 0.087,
  amplitude: 0.15,
  amplitudeScale: 2,
  fullLeadHours: 48,
  capLatDeg: 87,
};

const DAMPED: (keyof LevelFields)[] = ['z', 't', 'u', 'v'];
const ALL: (keyof LevelFields)[] = ['z', 't', 'u', 'v', 'q'];

export class DisplacedErrorModel {
  private readonly nLat: number;
  private readonly nLon: number;
  private readonly deg: number;
  private readonly src: Float32Array;
  private readonly iLat: Int32Array;
  private readonly iLon: Int32Array;
  private readonly wLat: Float32Array;
  private readonly wLon: Float32Array;

  constructor(
    private readonly grid: OutputGrid,
    private readonly p: DisplacedErrorParams = DISPLACED_ERRORS,
  ) {
    this.nLat = grid.lat.length;
    this.nLon = grid.lon.length;
    this.deg = 360 / this.nLon;
    const np = this.nLat * this.nLon;
    this.src = new Float32Array(np);
    this.iLat = new Int32Array(np);
    this.iLon = new Int32Array(np);
    this.wLat = new Float32Array(np);
    this.wLon = new Float32Array(np);
  }

  /** Transform one member at one step in place: `f` holds [level (500, 850), lat, lon] at offset `off`. */
  apply(f: LevelFields, off: number, leadHours: number): void {
    const np = this.nLat * this.nLon;
    const tau = leadHours * 3600;
    if (tau > 0 && this.p.lag > 0) {
      this.sampleCoordinates(f, off, tau);
      for (const name of ALL) for (let l = 0; l < 2; l++) this.displace(f[name], off + l * np);
    }
    const delta = this.p.amplitude * Math.min(leadHours / this.p.fullLeadHours, 1);
    if (delta > 0)
      for (const name of DAMPED) for (let l = 0; l < 2; l++) this.damp(f[name], off + l * np, delta);
  }

  /** Bilinear sample points p + ε τ V(p), V the mean of the 500 and 850 hPa winds (§8 item 1). */
  private sampleCoordinates(f: LevelFields, off: number, tau: number): void {
    const { nLat, nLon, deg } = this;
    const np = nLat * nLon;
    const minCos = Math.cos((this.p.capLatDeg * Math.PI) / 180);
    const toDeg = 180 / Math.PI;
    for (let j = 0; j < nLat; j++) {
      const lat = this.grid.lat[j];
      const cosp = Math.max(Math.cos((lat * Math.PI) / 180), minCos);
      for (let i = 0; i < nLon; i++) {
        const p = j * nLon + i;
        const u = 0.5 * (f.u[off + p] + f.u[off + np + p]);
        const v = 0.5 * (f.v[off + p] + f.v[off + np + p]);
        const dLon = ((this.p.lag * tau * u) / (EARTH_RADIUS * cosp)) * toDeg;
        const dLat = ((this.p.lag * tau * v) / EARTH_RADIUS) * toDeg;
        const latT = Math.max(-90, Math.min(90, lat + dLat));
        // Rows run 90 → −90: fractional row index of latT.
        const y = Math.min((this.grid.lat[0] - latT) / deg, nLat - 1);
        const y0 = Math.min(Math.floor(y), nLat - 2);
        const x = ((((this.grid.lon[i] + dLon) / deg) % nLon) + nLon) % nLon;
        const x0 = Math.floor(x);
        this.iLat[p] = y0;
        this.wLat[p] = y - y0;
        this.iLon[p] = x0;
        this.wLon[p] = x - x0;
      }
    }
  }

  private displace(a: Float32Array, off: number): void {
    const { nLon } = this;
    const np = this.nLat * nLon;
    this.src.set(a.subarray(off, off + np));
    const s = this.src;
    for (let p = 0; p < np; p++) {
      const r0 = this.iLat[p] * nLon;
      const r1 = r0 + nLon;
      const c0 = this.iLon[p];
      const c1 = c0 + 1 === nLon ? 0 : c0 + 1;
      const wy = this.wLat[p];
      const wx = this.wLon[p];
      const top = s[r0 + c0] * (1 - wx) + s[r0 + c1] * wx;
      const bot = s[r1 + c0] * (1 - wx) + s[r1 + c1] * wx;
      a[off + p] = top * (1 - wy) + bot * wy;
    }
  }

  /** x̃ = x̄ + a (1 − δ tanh²(a / (scale · s))) per latitude row (§8 item 2). */
  private damp(a: Float32Array, off: number, delta: number): void {
    const { nLat, nLon } = this;
    for (let j = 0; j < nLat; j++) {
      const o = off + j * nLon;
      let mean = 0;
      for (let i = 0; i < nLon; i++) mean += a[o + i];
      mean /= nLon;
      let ss = 0;
      for (let i = 0; i < nLon; i++) ss += (a[o + i] - mean) ** 2;
      const s = Math.sqrt(ss / nLon);
      if (!(s > 0)) continue;
      const scale = this.p.amplitudeScale * s;
      for (let i = 0; i < nLon; i++) {
        const d = a[o + i] - mean;
        const th = Math.tanh(d / scale);
        a[o + i] = mean + d * (1 - delta * th * th);
      }
    }
  }
}
