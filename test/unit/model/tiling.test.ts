/**
 * Tiled inference equals one pass: small grids cut into small tiles (cores of 8–12 points, windows shifted
 * inwards at the edges), every weight random (LCN per-point maps, BN moving statistics included), on the
 * cpu and the wasm backends. A halo below the receptive field must break the equality (the test can fail).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import type { MixedModel } from '../../../libs/model/mixedModel.js';
import { axisWindows, bcReceptiveRadius, exactHalo } from '../../../libs/model/tiling.js';
import { randomizeWeights, tinyModel, useCpu } from './helpers.js';

type Forecasts = Awaited<ReturnType<MixedModel['predict']>>;

function maxDiff(fa: Forecasts, fb: Forecasts) {
  let mu = 0;
  let sigma = 0;
  fa.forEach((f, s) =>
    f.mu.forEach((m, t) => {
      for (let k = 0; k < m.length; k++) {
        mu = Math.max(mu, Math.abs(m[k] - fb[s].mu[t][k]));
        sigma = Math.max(sigma, Math.abs(f.sigma[t][k] - fb[s].sigma[t][k]));
      }
    }),
  );
  return { mu, sigma };
}

test('axis windows: equal aligned cores cover the axis once, windows add the halo or stop at the edge', () => {
  const w = axisWindows(40, 6, 12, 4); // 7 cores of ≤ 6 → 40/7 rounded up to 8 → 5 cores; halo 12
  expect(w.map((x) => [x.start, x.coreStart, x.coreEnd, x.start + x.size])).toEqual([
    [0, 0, 8, 20],
    [0, 8, 16, 28],
    [4, 16, 24, 36],
    [12, 24, 32, 40],
    [20, 32, 40, 40],
  ]);
  for (const x of w) {
    expect(x.start % 4).toBe(0);
    expect(x.size % 4).toBe(0);
  }
  expect(
    axisWindows(724, 512, 32, 4).map((x) => [x.start, x.coreStart, x.coreEnd, x.start + x.size]),
  ).toEqual([
    [0, 0, 364, 396],
    [332, 364, 724, 724],
  ]);
  expect(axisWindows(16, 32, 12, 4)).toEqual([{ start: 0, size: 16, coreStart: 0, coreEnd: 16 }]);
  expect(() => axisWindows(10, 8, 4, 4)).toThrow(/multiple of 4/);
  expect(bcReceptiveRadius(0)).toBe(2);
  expect(bcReceptiveRadius(2)).toBe(32);
  expect(exactHalo({ bcLevels: 1, uqBlocks: 3 })).toBe(12);
});

describe.each(['cpu', 'wasm'] as const)('tiled = untiled on %s', (backend) => {
  beforeAll(async () => {
    if (backend === 'cpu') await useCpu();
    else await selectBackend('wasm');
  });

  // The cpu backend is ~30× slower than wasm on convolutions: it gets the small case only.
  const cases = [
    { levels: 1, ny: 41, nx: 60, tile: 8 },
    ...(backend === 'wasm' ? [{ levels: 2, ny: 90, nx: 100, tile: 12 }] : []),
  ];
  test.each(cases)(
    'levels $levels, grid $ny×$nx, tiles of $tile: μ and σ equal within float rounding',
    async (c) => {
      const { model, samples } = tinyModel(c.ny, c.nx, 2, { bcLevels: c.levels, uqBlocks: 2 });
      randomizeWeights(model.bc, 3);
      randomizeWeights(model.uq, 4);
      const before = tf.memory().numTensors;
      const whole = await model.predict(samples, { tiles: false });
      const tiled = await model.predict(samples, { tiles: { tile: c.tile } });
      const d = maxDiff(whole, tiled);
      if (process.env.EPP_TILING_REPORT) console.log(backend, c, d);
      // μ ≈ 280 K: 1e-4 is a few float32 ulps (wasm measured 0: the same sums in the same order).
      expect(d.mu).toBeLessThan(1e-4);
      expect(d.sigma).toBeLessThan(1e-4);
      // The networks are not trivial here: μ moved away from the subset mean and σ varies over the grid.
      const shift = Math.max(...whole[0].mu[0].map((v, k) => Math.abs(v - samples[0].targetMean[0][k])));
      expect(shift).toBeGreaterThan(0.1);
      expect(Math.max(...whole[0].sigma[0]) - Math.min(...whole[0].sigma[0])).toBeGreaterThan(0.01);
      // Too small a halo: the cores see the windows' zero padding, so the result differs.
      const short = await model.predict(samples, { tiles: { tile: c.tile, halo: 2 ** c.levels } });
      expect(maxDiff(whole, short).mu).toBeGreaterThan(100 * Math.max(d.mu, 1e-5));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
    120_000,
  );
});
