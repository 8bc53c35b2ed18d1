/**
 * The tuning loop's stand-in for "a point-by-point EMOS fitted on train closes no more than half of the
 * raw10 → perfect50 gap": the `year` preset has no training years, so its +48 h test forecasts are split
 * into alternate weeks (even ones fit point-by-point EMOS on all raw members, odd ones score it) — both
 * halves span the seasonal cycle. On the files, `epp evaluate` measures the real thing (fit on train).
 */
import { EstimateEmos } from '../../libs/emos/estimate.js';
import type { EnsembleField, Field2D, Grid } from '../../libs/ensemble/types.js';
import { crpsGaussian, ensembleCrpsSorted } from '../../libs/scoring/crps.js';
import type { LevelFields } from '../../libs/testbed/diagnostics.js';
import type { ArchivePlan, ArchiveSink, EnsembleKind, InitInfo } from '../../libs/testbed/generator.js';
import { TARGETS, type TargetKey } from '../../libs/testbed/statsAccumulator.js';

const LEAD = 48 * 3600;

interface Case {
  week: number;
  validTime: number;
  members: number;
  /** Per target: [member, point] at +48 h. */
  data: Float32Array[];
  truth?: Float32Array[];
  perfect?: Float32Array[];
  perfectMembers?: number;
}

export interface EmosProbeResult {
  raw10: number;
  emosPointwise: number;
  perfect50: number;
  /** (raw10 − EMOS) / (raw10 − perfect50) on the scored weeks. */
  gapClosed: number;
}

export class EmosProbeSink implements ArchiveSink {
  private plan: ArchivePlan | null = null;
  private np = 0;
  private readonly cases = new Map<number, Case>();
  results: Record<TargetKey, EmosProbeResult> | null = null;

  constructor(private readonly inner: ArchiveSink) {}

  begin(plan: ArchivePlan): void | Promise<void> {
    this.plan = plan;
    this.np = plan.grid.lat.length * plan.grid.lon.length;
    return this.inner.begin(plan);
  }

  truth(time: number, fields: LevelFields): void | Promise<void> {
    const c = this.cases.get(time);
    if (c)
      c.truth = TARGETS.map((tg) => fields[tg.variable].slice(tg.level * this.np, (tg.level + 1) * this.np));
    return this.inner.truth(time, fields);
  }

  ensemble(kind: EnsembleKind, init: InitInfo, members: number, fields: LevelFields): void | Promise<void> {
    if (init.split === 'test') {
      const np = this.np;
      const data = TARGETS.map((tg) => {
        const out = new Float32Array(members * np);
        for (let m = 0; m < members; m++) {
          const src = ((2 * members + m) * 2 + tg.level) * np; // step 2 = +48 h
          out.set(fields[tg.variable].subarray(src, src + np), m * np);
        }
        return out;
      });
      const vt = init.time + LEAD;
      const c = this.cases.get(vt) ?? {
        week: Math.floor(init.time / (7 * 86400)),
        validTime: vt,
        members: 0,
        data: [],
      };
      if (kind === 'forecasts') Object.assign(c, { members, data });
      else Object.assign(c, { perfect: data, perfectMembers: members });
      this.cases.set(vt, c);
    }
    return this.inner.ensemble(kind, init, members, fields);
  }

  end(): void | Promise<void> {
    this.results = Object.fromEntries(TARGETS.map((tg, k) => [tg.key, this.probe(k)])) as Record<
      TargetKey,
      EmosProbeResult
    >;
    return this.inner.end();
  }

  private probe(k: number): EmosProbeResult {
    const g = this.plan!.grid;
    const ny = g.lat.length;
    const nx = g.lon.length;
    const np = this.np;
    const lat = new Float64Array(np);
    const lon = new Float64Array(np);
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        lat[j * nx + i] = g.lat[j];
        lon[j * nx + i] = g.lon[i];
      }
    const grid: Grid = {
      kind: 'latlon',
      yName: 'latitude',
      xName: 'longitude',
      y: Float64Array.from(g.lat),
      x: Float64Array.from(g.lon),
      latitude: lat,
      longitude: lon,
    };
    const all = [...this.cases.values()].filter((c) => c.truth && c.data.length && c.perfect);
    const fit = all.filter((c) => c.week % 2 === 0);
    const score = all.filter((c) => c.week % 2 === 1);
    const field = (c: Case): EnsembleField => ({
      variable: 'x',
      units: '1',
      data: c.data[k],
      members: Array.from({ length: c.members }, (_, i) => i),
      ny,
      nx,
      grid,
      validTime: c.validTime,
      source: 'probe',
    });
    const truth = (c: Case): Field2D => ({
      variable: 'x',
      units: '1',
      data: c.truth![k],
      ny,
      nx,
      grid,
      validTime: c.validTime,
      source: 'probe',
    });
    const coef = new EstimateEmos({ distribution: 'norm', pointByPoint: true }).process(
      fit.map(field),
      fit.map(truth),
    );
    let raw = 0;
    let emos = 0;
    let perf = 0;
    let n = 0;
    const buf = new Float64Array(64);
    const ens = (d: Float32Array, m: number, p: number, y: number) => {
      const s = buf.subarray(0, m);
      for (let i = 0; i < m; i++) s[i] = d[i * np + p];
      s.sort();
      return ensembleCrpsSorted(s, m, y).crps;
    };
    for (const c of score) {
      const M = c.members;
      for (let p = 0; p < np; p++) {
        const y = c.truth![k][p];
        let mean = 0;
        for (let i = 0; i < M; i++) mean += c.data[k][i * np + p];
        mean /= M;
        let v = 0;
        for (let i = 0; i < M; i++) v += (c.data[k][i * np + p] - mean) ** 2;
        v /= M - 1;
        // IMPROVER's normal EMOS: μ = α + β·mean, σ² = γ² + δ²·var.
        const mu = coef.alpha[p] + coef.beta[p] * mean;
        const sd = Math.sqrt(coef.gamma[p] ** 2 + coef.delta[p] ** 2 * v);
        raw += ens(c.data[k], M, p, y);
        emos += crpsGaussian(mu, sd, y);
        perf += ens(c.perfect![k], c.perfectMembers!, p, y);
        n++;
      }
    }
    raw /= n;
    emos /= n;
    perf /= n;
    return { raw10: raw, emosPointwise: emos, perfect50: perf, gapClosed: (raw - emos) / (raw - perf) };
  }
}
