import { colorAt, RDBU_R, VIRIDIS, YLGNBU } from '../../../libs/report/colormaps.js';
import {
  niceTicks,
  percentile,
  robustRange,
  symmetricRange,
  formatTick,
} from '../../../libs/report/scale.js';

describe('colour maps', () => {
  test('viridis ends at matplotlib’s first and last colours', () => {
    expect(colorAt(VIRIDIS, 0)).toEqual([0x44, 0x01, 0x54]);
    expect(colorAt(VIRIDIS, 1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(colorAt(VIRIDIS, 2)).toEqual([0xfd, 0xe7, 0x25]);
    expect(colorAt(VIRIDIS, 128 / 255)).toEqual([0x21, 0x91, 0x8c]);
  });
  test('the diverging map is white-ish at its centre, blue below, red above', () => {
    expect(colorAt(RDBU_R, 0.5)).toEqual([0xf7, 0xf7, 0xf7]);
    const lo = colorAt(RDBU_R, 0.1)!;
    const hi = colorAt(RDBU_R, 0.9)!;
    expect(lo[2]).toBeGreaterThan(lo[0]);
    expect(hi[0]).toBeGreaterThan(hi[2]);
  });
  test('NaN has no colour; interpolation is monotone in lightness for YlGnBu', () => {
    expect(colorAt(YLGNBU, NaN)).toBeNull();
    const sum = (t: number): number => colorAt(YLGNBU, t)!.reduce((a, b) => a + b, 0);
    for (let k = 0; k < 10; k++) expect(sum((k + 1) / 10)).toBeLessThan(sum(k / 10));
  });
});

describe('scales', () => {
  test('nice ticks cover the range with round steps', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(271.3, 289.9, 5)).toEqual([275, 280, 285]);
    expect(niceTicks(-2.4, 2.4, 4)).toEqual([-2, 0, 2]);
    expect(niceTicks(-2.4, 2.4, 8)).toEqual([-2, -1, 0, 1, 2]);
    expect(formatTick(0.30000000000000004)).toBe('0.3');
  });
  test('percentiles ignore NaN; ranges are robust and symmetric when asked', () => {
    expect(percentile([3, NaN, 1, 2], 50)).toBe(2);
    const values = Float32Array.from({ length: 1001 }, (_, i) => i);
    expect(robustRange([values], 1, 99)).toEqual([10, 990]);
    expect(symmetricRange([Float32Array.from([-3, 1, 2, NaN])], 100)).toEqual([-3, 3]);
  });
});
