import { HelmholtzSolver } from '../../../libs/testbed/helmholtz.js';
import { Rng, streamKey } from '../../../libs/testbed/prng.js';
import { SpectralGrid } from '../../../libs/testbed/spectralGrid.js';

describe('testbed PRNG', () => {
  it('repeats a stream for the same key and differs between keys', () => {
    const a = new Rng(streamKey(1, 2, 3));
    const b = new Rng(streamKey(1, 2, 3));
    const c = new Rng(streamKey(1, 2, 4));
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
  });

  it('draws standard normals', () => {
    const r = new Rng(42);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});

describe('testbed spectral grid', () => {
  const g = new SpectralGrid(30, 15, 48);

  it('forward and inverse row transforms are inverse on band-limited rows', () => {
    const j = 15; // near the equator: all 15 wavenumbers kept
    const row = new Float64Array(g.nx);
    for (let i = 0; i < g.nx; i++) {
      const l = (2 * Math.PI * i) / g.nx;
      row[i] = 3 + Math.cos(2 * l) - 0.5 * Math.sin(7 * l + 0.3);
    }
    const re = new Float64Array(g.size);
    const im = new Float64Array(g.size);
    g.forwardRow(row, 0, j, re, im);
    const back = new Float64Array(g.nx);
    g.inverseRow(re, im, j, back, 0);
    for (let i = 0; i < g.nx; i++) expect(back[i]).toBeCloseTo(row[i], 10);
    expect(re[j * g.nm]).toBeCloseTo(3, 12);
  });

  it('the polar filter keeps fewer wavenumbers near the poles', () => {
    expect(g.mMax[0]).toBe(0);
    expect(g.mMax[15]).toBe(14); // floor(15 cos 3°)
    expect(g.mMax[29]).toBe(0);
  });

  it.each([0, 1e-12])('the Helmholtz solver inverts (∇² − %p)', (lambda) => {
    const solver = new HelmholtzSolver(g, lambda);
    const r = new Rng(3);
    const psi = new Float64Array(2 * g.size);
    for (let k = 0; k < 2 * g.size; k++) psi[k] = (k % g.nm === 0 && k >= g.size ? 0 : 1) * r.normal() * 1e6;
    g.truncate(psi, psi.subarray(g.size));
    // Remove ψ's area mean (the barotropic null space) so the round trip is well defined.
    let num = 0;
    let den = 0;
    for (let j = 0; j < g.nLat; j++) {
      num += psi[j * g.nm] * g.cos[j];
      den += g.cos[j];
    }
    for (let j = 0; j < g.nLat; j++) psi[j * g.nm] -= num / den;
    const q = new Float64Array(2 * g.size);
    g.laplacian(psi, psi.subarray(g.size), q, q.subarray(g.size));
    for (let k = 0; k < 2 * g.size; k++) q[k] -= lambda * psi[k];
    const back = new Float64Array(2 * g.size);
    solver.solve(q, q.subarray(g.size), back, back.subarray(g.size));
    let err = 0;
    let ref = 0;
    for (let k = 0; k < 2 * g.size; k++) {
      err = Math.max(err, Math.abs(back[k] - psi[k]));
      ref = Math.max(ref, Math.abs(psi[k]));
    }
    expect(err / ref).toBeLessThan(1e-4);
  });
});
