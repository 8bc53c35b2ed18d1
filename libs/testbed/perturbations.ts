/**
 * Analysis errors and initial perturbations (docs/testbed.md §5): a random streamfunction δψ in both layers,
 * white in zonal wavenumbers 1..mMax with a synoptic-scale weight, 1-2-1 smoothed twice in latitude, scaled so
 * its rms is `ampPsi` (m² s⁻¹), converted to PV by the (linear) inversion operator.
 */
import type { Rng } from './prng.js';
import type { QgModel } from './qgModel.js';

export class PerturbationSampler {
  private readonly model: QgModel;
  private readonly weight: Float64Array;
  private readonly psi: Float64Array;
  private readonly q: Float64Array;
  private readonly tmp: Float64Array;

  constructor(model: QgModel) {
    this.model = model;
    const g = model.grid;
    this.weight = new Float64Array(g.nm);
    for (let m = 1; m < g.nm; m++) this.weight[m] = Math.exp(-(((m - 6) / 5) ** 2));
    this.psi = new Float64Array(4 * g.size);
    this.q = new Float64Array(4 * g.size);
    this.tmp = new Float64Array(g.nLat);
  }

  /** Add `scale` × one draw of the error field (PV, state layout) to `target`. */
  addTo(target: Float64Array, rng: Rng, ampPsi: number, scale: number): void {
    const m = this.model;
    const g = m.grid;
    const psi = this.psi;
    for (let b = 0; b < 4; b++) {
      const o = b * g.size;
      for (let j = 0; j < g.nLat; j++)
        for (let k = 0; k < g.nm; k++)
          psi[o + j * g.nm + k] = k >= 1 && k <= g.mMax[j] ? this.weight[k] * rng.normal() : 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 1; k < g.nm; k++) {
          for (let j = 0; j < g.nLat; j++) {
            const c = psi[o + j * g.nm + k];
            const dn = j > 0 ? psi[o + (j - 1) * g.nm + k] : c;
            const up = j + 1 < g.nLat ? psi[o + (j + 1) * g.nm + k] : c;
            this.tmp[j] = 0.25 * dn + 0.5 * c + 0.25 * up;
          }
          for (let j = 0; j < g.nLat; j++) psi[o + j * g.nm + k] = k <= g.mMax[j] ? this.tmp[j] : 0;
        }
      }
    }
    // rms of the physical field: Σ over rows and m ≥ 1 of 2|c|², area-weighted.
    let s = 0;
    let w = 0;
    for (let layer = 0; layer < 2; layer++) {
      for (let j = 0; j < g.nLat; j++) {
        for (let k = 1; k < g.nm; k++) {
          const i = 2 * g.size * layer + j * g.nm + k;
          s += g.cos[j] * 2 * (psi[i] ** 2 + psi[i + g.size] ** 2);
        }
        w += g.cos[j];
      }
    }
    const norm = ampPsi / Math.sqrt(s / w);
    for (let k = 0; k < psi.length; k++) psi[k] *= norm;
    m.pvFromPsi(psi, this.q);
    const h = m.topo;
    const n = g.size;
    for (let k = 0; k < 2 * n; k++) this.q[2 * n + k] -= h[k];
    for (let k = 0; k < target.length; k++) target[k] += scale * this.q[k];
  }
}
