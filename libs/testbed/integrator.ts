/**
 * Leapfrog time stepping with the Robert–Asselin–Williams filter (Williams 2009, MWR 137:2538; ν = 0.1,
 * α = 0.53). Dissipation is evaluated at the lagged level n−1 (stable for leapfrog); the first step after
 * `start` is forward Euler.
 */
import type { QgModel } from './qgModel.js';
import type { StochasticForcing } from './stochasticForcing.js';

const RAW_NU = 0.1;
const RAW_ALPHA = 0.53;

/** An extra PV tendency (s⁻², state layout) added at time tSec, e.g. an event's forcing. */
export type ExtraForcing = (tSec: number, out: Float64Array) => void;

export class Integrator {
  readonly model: QgModel;
  readonly dt: number;
  private noise: StochasticForcing | null;
  private readonly extra: ExtraForcing | null;
  /** Levels n−1 and n (filtered) of q, and ψ at both. */
  private qPrev: Float64Array;
  private qCur: Float64Array;
  private qNext: Float64Array;
  private psiPrev: Float64Array;
  private psiCur: Float64Array;
  private readonly tend: Float64Array;
  private first = true;
  /** Model time (epoch seconds) of the current level. */
  t = 0;

  constructor(model: QgModel, dtSec: number, noise: StochasticForcing | null, extra: ExtraForcing | null) {
    this.model = model;
    this.dt = dtSec;
    this.noise = noise;
    this.extra = extra;
    const n = 4 * model.grid.size;
    this.qPrev = new Float64Array(n);
    this.qCur = new Float64Array(n);
    this.qNext = new Float64Array(n);
    this.psiPrev = new Float64Array(n);
    this.psiCur = new Float64Array(n);
    this.tend = new Float64Array(n);
  }

  /** Restart from state q0 at time tSec (forward-Euler first step). */
  start(q0: Float64Array, tSec: number): void {
    this.qCur.set(q0);
    this.model.invert(this.qCur, this.psiCur);
    this.t = tSec;
    this.first = true;
  }

  /** The current PV state (a view: copy it to keep it). */
  get q(): Float64Array {
    return this.qCur;
  }

  /** The current streamfunctions (a view). */
  get psi(): Float64Array {
    return this.psiCur;
  }

  /** Swap the stochastic forcing (each perfect-model member draws its own realisation). */
  useNoise(noise: StochasticForcing | null): void {
    this.noise = noise;
  }

  /** Replace the current state (e.g. after injecting a vortex) and restart the leapfrog. */
  reset(q: Float64Array): void {
    this.start(q, this.t);
  }

  step(): void {
    const m = this.model;
    const tend = this.tend;
    m.advection(this.qCur, this.psiCur, tend);
    if (this.first) m.addDissipation(this.qCur, this.psiCur, this.t, tend);
    else m.addDissipation(this.qPrev, this.psiPrev, this.t, tend);
    if (this.noise) {
      const f = this.noise.field;
      for (let k = 0; k < tend.length; k++) tend[k] += f[k];
      this.noise.advance();
    }
    if (this.extra) this.extra(this.t, tend);
    const qn = this.qNext;
    if (this.first) {
      for (let k = 0; k < qn.length; k++) qn[k] = this.qCur[k] + this.dt * tend[k];
      this.first = false;
    } else {
      const dt2 = 2 * this.dt;
      const qp = this.qPrev;
      const qc = this.qCur;
      for (let k = 0; k < qn.length; k++) {
        qn[k] = qp[k] + dt2 * tend[k];
        const d = 0.5 * RAW_NU * (qp[k] - 2 * qc[k] + qn[k]);
        qc[k] += RAW_ALPHA * d;
        qn[k] -= (1 - RAW_ALPHA) * d;
      }
    }
    m.grid.truncate(qn.subarray(0, m.grid.size), qn.subarray(m.grid.size, 2 * m.grid.size));
    m.grid.truncate(qn.subarray(2 * m.grid.size, 3 * m.grid.size), qn.subarray(3 * m.grid.size));
    // Rotate buffers: prev ← cur, cur ← next.
    const oldPrev = this.qPrev;
    this.qPrev = this.qCur;
    this.qCur = qn;
    this.qNext = oldPrev;
    const oldPsiPrev = this.psiPrev;
    this.psiPrev = this.psiCur;
    this.psiCur = oldPsiPrev;
    m.invert(this.qCur, this.psiCur);
    this.t += this.dt;
  }
}
