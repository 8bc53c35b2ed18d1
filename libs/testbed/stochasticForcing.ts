/**
 * Sub-grid ("missing small-scale physics") PV forcing of the truth: an AR(1) process in time whose spatial
 * pattern is white in zonal wavenumbers 1..mMax with a synoptic-scale weight, smoothed twice by a 1-2-1 filter
 * in latitude. S_{n+1} = ρ S_n + √(1−ρ²) σ ξ_n, ρ = exp(−Δt/T) (docs/testbed.md §3). Units: s⁻² (PV tendency).
 */
import type { Rng } from './prng.js';
import type { SpectralGrid } from './spectralGrid.js';

export class StochasticForcing {
  private readonly grid: SpectralGrid;
  private readonly rng: Rng;
  private readonly rho: number;
  private readonly sigma: number;
  private readonly weight: Float64Array;
  /** Current forcing, same layout as the model state (4 blocks). */
  readonly field: Float64Array;
  private readonly xi: Float64Array;
  private readonly tmp: Float64Array;

  constructor(grid: SpectralGrid, ampPerDay: number, hours: number, dtSec: number, rng: Rng) {
    this.grid = grid;
    this.rng = rng;
    this.rho = Math.exp(-dtSec / (hours * 3600));
    this.sigma = ampPerDay / 86400;
    this.weight = new Float64Array(grid.nm);
    for (let m = 1; m < grid.nm; m++) this.weight[m] = Math.exp(-(((m - 7) / 5) ** 2));
    this.field = new Float64Array(4 * grid.size);
    this.xi = new Float64Array(4 * grid.size);
    this.tmp = new Float64Array(grid.nLat);
    // Start from the stationary distribution so the first day is not special.
    this.draw();
    for (let k = 0; k < this.field.length; k++) this.field[k] = this.sigma * this.xi[k];
  }

  private draw(): void {
    const g = this.grid;
    const xi = this.xi;
    // The same (equivalent-barotropic) pattern forces both layers: draw blocks 0–1, copy to 2–3.
    for (let b = 0; b < 2; b++) {
      const o = b * g.size;
      for (let j = 0; j < g.nLat; j++) {
        for (let m = 0; m < g.nm; m++) {
          xi[o + j * g.nm + m] = m <= g.mMax[j] && m > 0 ? this.weight[m] * this.rng.normal() : 0;
        }
      }
      for (let pass = 0; pass < 2; pass++) {
        for (let m = 1; m < g.nm; m++) {
          for (let j = 0; j < g.nLat; j++) {
            const c = xi[o + j * g.nm + m];
            const dn = j > 0 ? xi[o + (j - 1) * g.nm + m] : c;
            const up = j + 1 < g.nLat ? xi[o + (j + 1) * g.nm + m] : c;
            this.tmp[j] = 0.25 * dn + 0.5 * c + 0.25 * up;
          }
          for (let j = 0; j < g.nLat; j++) xi[o + j * g.nm + m] = m <= g.mMax[j] ? this.tmp[j] : 0;
        }
      }
    }
    xi.copyWithin(2 * g.size, 0, 2 * g.size);
  }

  /** Advance the AR(1) process by one step. */
  advance(): void {
    this.draw();
    const c = Math.sqrt(1 - this.rho * this.rho) * this.sigma;
    for (let k = 0; k < this.field.length; k++) this.field[k] = this.rho * this.field[k] + c * this.xi[k];
  }
}
