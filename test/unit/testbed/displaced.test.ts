import { regularGrid, type LevelFields } from '../../../libs/testbed/diagnostics.js';
import {
  DISPLACED_ERRORS,
  DisplacedErrorModel,
  PRESETS,
  TestbedGenerator,
  type ArchivePlan,
  type ArchiveSink,
  type InitInfo,
  type Preset,
} from '../../../libs/testbed/index.js';
import { buildManifest } from '../../../libs/testbed/manifest.js';
import type { EnsembleKind } from '../../../libs/testbed/generator.js';
import { EARTH_RADIUS } from '../../../libs/testbed/spectralGrid.js';

function fields(np2: number): LevelFields {
  return {
    z: new Float32Array(np2),
    t: new Float32Array(np2),
    u: new Float32Array(np2),
    v: new Float32Array(np2),
    q: new Float32Array(np2),
  };
}

describe('error model 2 (docs/testbed.md §8)', () => {
  const grid = regularGrid(6);
  const nLat = grid.lat.length;
  const nLon = grid.lon.length;
  const np = nLat * nLon;

  it('displaces a zonal wave by ε τ u / (a cos φ) and leaves step 0 untouched', () => {
    const f = fields(2 * np);
    const u = 20;
    for (let l = 0; l < 2; l++)
      for (let j = 0; j < nLat; j++)
        for (let i = 0; i < nLon; i++) {
          const p = l * np + j * nLon + i;
          f.u[p] = u;
          f.q[p] = Math.cos((3 * grid.lon[i] * Math.PI) / 180);
        }
    const model = new DisplacedErrorModel(grid, { ...DISPLACED_ERRORS, amplitude: 0 });
    const step0 = { ...f, q: f.q.slice() };
    model.apply(step0, 0, 0);
    expect(Array.from(step0.q)).toEqual(Array.from(f.q));
    model.apply(f, 0, 48);
    const j = grid.lat.indexOf(42);
    const dLonDeg =
      ((0.087 * 48 * 3600 * u) / (EARTH_RADIUS * Math.cos((42 * Math.PI) / 180))) * (180 / Math.PI);
    expect(dLonDeg).toBeGreaterThan(3); // 0.087 × 3456 km / 4734 km ≈ 3.6° of longitude
    for (const i of [0, 5, 7, 31]) {
      const want = Math.cos((3 * (grid.lon[i] + dLonDeg) * Math.PI) / 180);
      // bilinear on 6°: error ≤ (3 · 6° in rad)²/8 ≈ 0.012 for wavenumber 3
      expect(Math.abs(f.q[j * nLon + i] - want)).toBeLessThan(0.015);
    }
    // at 30° E the unshifted wave is 0 and the shifted one −0.19: the shift is measured, not the interpolation
    expect(Math.abs(f.q[j * nLon + 5])).toBeGreaterThan(0.15);
  });

  it('damps large anomalies more than small ones, per latitude row, growing with lead time', () => {
    const f = fields(2 * np);
    const j = 10;
    for (let i = 0; i < nLon; i++) f.z[j * nLon + i] = 50000 + (i === 0 ? 3000 : i % 2 ? 300 : -300);
    const before = f.z.slice();
    const model = new DisplacedErrorModel(grid, { ...DISPLACED_ERRORS, lag: 0 });
    const mean = before.subarray(j * nLon, (j + 1) * nLon).reduce((a, b) => a + b, 0) / nLon;
    const half = { ...f, z: f.z.slice() };
    model.apply(half, 0, 24);
    model.apply(f, 0, 48);
    const rel = (x: Float32Array, i: number) => (x[j * nLon + i] - mean) / (before[j * nLon + i] - mean);
    expect(rel(f.z, 0)).toBeLessThan(rel(f.z, 1)); // the big anomaly loses more
    expect(1 - rel(f.z, 0)).toBeGreaterThan(0.1); // ≈ 6.6 s anomaly: δ tanh²(3.3) ≈ 0.15
    expect(1 - rel(f.z, 0)).toBeLessThanOrEqual(0.15 + 1e-6);
    expect(1 - rel(half.z, 0)).toBeCloseTo((1 - rel(f.z, 0)) / 2, 3); // δ(24 h) = δ/2
  });

  it('the displaced preset keeps the truth and perfect members of error model 1, and differs at 48 h', async () => {
    const mini = (p: Preset): Preset => ({
      ...p,
      perfectMembers: 3,
      spinupDays: 5,
      splits: {
        train: { start: '2016-01-04', end: '2016-01-05' },
        val: { start: '2016-01-07', end: '2016-01-08' },
        test: { start: '2016-01-11', end: '2016-01-12' },
      },
      events: [],
    });
    const capture = async (p: Preset, perfectEnsembles = true) => {
      const out: Record<string, Float32Array> = {};
      let plan: ArchivePlan | null = null;
      const sink: ArchiveSink = {
        begin: (pl) => void (plan = pl),
        truth: (t, x) => void (out[`truth${t}`] = x.z.slice()),
        ensemble: (kind: EnsembleKind, init: InitInfo, _m, x) =>
          void (out[`${kind}${init.index}`] = x.z.slice()),
        end: () => undefined,
      };
      await new TestbedGenerator({ preset: p, seed: 3, perfectEnsembles }).process(sink);
      return { out, plan: plan! };
    };
    const a = await capture(mini(PRESETS.tiny));
    const c = await capture(mini(PRESETS['tiny-displaced']), false);
    const b = await capture(mini(PRESETS['tiny-displaced']));
    expect(buildManifest(a.plan).version).toBe('1.3.0');
    const mb = buildManifest(b.plan);
    expect(mb.version).toBe('1.4.0');
    expect((mb.model as { memberErrors: { lag: number } }).memberErrors.lag).toBe(0.087);
    expect(b.plan.tuning.memberBias.t850PerVorticity).toBe(0);
    for (const k of Object.keys(a.out).filter((x) => !x.startsWith('forecasts')))
      expect(Array.from(b.out[k])).toEqual(Array.from(a.out[k]));
    // Without the perfect ensembles: nothing perfect written, the rest unchanged.
    expect(Object.keys(c.out).filter((k) => k.startsWith('perfect'))).toEqual([]);
    for (const k of Object.keys(c.out)) expect(Array.from(c.out[k])).toEqual(Array.from(b.out[k]));
    const n = 10 * 2 * (31 * 60); // one step of 10 members
    const fa = a.out.forecasts1;
    const fb = b.out.forecasts1;
    let d48 = 0;
    for (let i = 2 * n; i < 3 * n; i++) d48 = Math.max(d48, Math.abs(fa[i] - fb[i]));
    expect(d48).toBeGreaterThan(50); // m² s⁻²: displaced and damped at 48 h
  }, 120_000);
});
