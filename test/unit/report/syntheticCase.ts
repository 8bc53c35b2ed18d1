import type { EnsembleField, Field2D, Grid } from '../../../libs/ensemble/types.js';
import type { GaussianForecast } from '../../../libs/scoring/index.js';
import type { CaseDay } from '../../../libs/pipeline/report/index.js';

/** Deterministic LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A regular 0.5° grid over the British Isles (latitudes north to south). */
export function ukGrid(ny = 20, nx = 24): Grid {
  const y = Float64Array.from({ length: ny }, (_, j) => 60 - 0.5 * j);
  const x = Float64Array.from({ length: nx }, (_, i) => -11 + 0.5 * i);
  const latitude = new Float64Array(ny * nx);
  const longitude = new Float64Array(ny * nx);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      latitude[j * nx + i] = y[j];
      longitude[j * nx + i] = x[i];
    }
  return { kind: 'latlon', yName: 'latitude', xName: 'longitude', y, x, latitude, longitude };
}

/**
 * Days of a synthetic case: truth a smooth warm blob, a cold-biased under-dispersive 10-member ensemble,
 * and a "post-processed" Gaussian with the bias removed and a wider σ (made up for the test, not EMOS).
 */
export function syntheticDays(count = 2, members = 10): CaseDay[] {
  const grid = ukGrid();
  const { ny, nx } = { ny: grid.y.length, nx: grid.x.length };
  const n = ny * nx;
  const r = rng(42);
  const t0 = Date.UTC(2017, 5, 4, 15) / 1000;
  return Array.from({ length: count }, (_, d) => {
    const validTime = t0 + d * 86400;
    const truth = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      const dx = (grid.longitude[p] + 3 - d) / 3;
      const dy = (grid.latitude[p] - 53) / 2.5;
      truth[p] = 285 + 8 * Math.exp(-(dx * dx + dy * dy)) + (r() - 0.5);
    }
    truth[5] = NaN;
    const data = new Float32Array(members * n);
    for (let i = 0; i < members; i++)
      for (let p = 0; p < n; p++) data[i * n + p] = truth[p] - 0.8 + 0.4 * (r() - 0.5) + 0.6 * (r() - 0.5);
    const raw: EnsembleField = {
      variable: 't',
      units: 'K',
      data,
      members: Array.from({ length: members }, (_, i) => i),
      ny,
      nx,
      grid,
      validTime,
      leadHours: 48,
      level: 850,
      source: `synthetic-day${d}`,
    };
    const mean = new Float32Array(n);
    const std = new Float32Array(n).fill(0.7);
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let i = 0; i < members; i++) s += data[i * n + p];
      mean[p] = s / members + 0.8;
    }
    const post: GaussianForecast = {
      kind: 'gaussian',
      variable: 't',
      units: 'K',
      mean,
      std,
      ny,
      nx,
      grid,
      validTime,
      level: 850,
      source: `post-day${d}`,
    };
    const truthField: Field2D = {
      variable: 't',
      units: 'K',
      data: truth,
      ny,
      nx,
      grid,
      validTime,
      level: 850,
      source: `truth-day${d}`,
    };
    return { raw, truth: truthField, gaussians: { emos: post } };
  });
}
