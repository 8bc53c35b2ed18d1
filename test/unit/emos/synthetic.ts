import type { EnsembleField, Field2D } from '../../../libs/ensemble/types.js';
import { lineGrid } from '../scoring/helpers.js';

/** Deterministic PRNG (mulberry32) with Box–Muller normals. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
}

/**
 * Days of m-member ensembles on a 1 × n line with truth drawn from the EMOS model itself:
 * y ~ N(α + β·mean, γ² + δ²·var), so a consistent fit should recover (α, β, |γ|, δ).
 */
export function synthetic(
  coef: [number, number, number, number],
  opts: { days: number; n: number; m: number; seed: number; positive?: boolean },
): { forecasts: EnsembleField[]; truths: Field2D[] } {
  const z = rng(opts.seed);
  const [alpha, beta, gamma, delta] = coef;
  const lat = Array.from({ length: opts.n }, (_, i) => (i % 90) - 45);
  const forecasts: EnsembleField[] = [];
  const truths: Field2D[] = [];
  for (let d = 0; d < opts.days; d++) {
    const data = new Float32Array(opts.m * opts.n);
    const truth = new Float32Array(opts.n);
    for (let p = 0; p < opts.n; p++) {
      const centre = opts.positive ? 4 + 2 * Math.abs(z()) : 280 + 4 * z();
      const spread = 0.3 + Math.abs(z()) * (opts.positive ? 0.8 : 1.2);
      let sum = 0;
      const xs: number[] = [];
      for (let i = 0; i < opts.m; i++) {
        const x = centre + spread * z();
        xs.push(opts.positive ? Math.max(0, x) : x);
        sum += xs[i];
      }
      const mean = sum / opts.m;
      const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (opts.m - 1);
      xs.forEach((x, i) => (data[i * opts.n + p] = x));
      let y = alpha + beta * mean + Math.sqrt(gamma * gamma + delta * delta * v) * z();
      if (opts.positive)
        while (y < 0) y = alpha + beta * mean + Math.sqrt(gamma * gamma + delta * delta * v) * z();
      truth[p] = y;
    }
    const grid = lineGrid(lat);
    const t = 86400 * d;
    forecasts.push({
      variable: 'air_temperature',
      units: 'K',
      data,
      members: Array.from({ length: opts.m }, (_, i) => i),
      ny: 1,
      nx: opts.n,
      grid,
      validTime: t,
      leadHours: 12,
      initTime: t - 43200,
      source: `fc-day${d}.nc`,
    });
    truths.push({
      variable: 'air_temperature',
      units: 'K',
      data: truth,
      ny: 1,
      nx: opts.n,
      grid,
      validTime: t,
      source: `truth-day${d}.nc`,
    });
  }
  return { forecasts, truths };
}
