/**
 * cf.ts `mask`: fill values found by a native byte search must give exactly what the element-wise comparison
 * (x === fill) gives — aligned matches only, +0/-0 both for a zero fill, NaN fills ignored, dense matches.
 */
import { mask } from '../../../libs/netcdf/cf.js';
import { rng } from '../../helpers/random.js';

function reference(a: Float32Array | Float64Array, fills: number[]): Float32Array | Float64Array {
  const out = a.slice();
  for (let i = 0; i < out.length; i++) if (fills.some((f) => out[i] === f)) out[i] = NaN;
  return out;
}

function sameBits(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return false;
    if (!Number.isNaN(a[i]) && !Object.is(a[i], b[i])) return false;
  }
  return true;
}

describe.each([
  ['float32', (n: number) => new Float32Array(n)],
  ['float64', (n: number) => new Float64Array(n)],
] as const)('mask on %s', (_, make) => {
  test('masks sparse fills and ignores byte patterns that straddle elements', () => {
    const fill = make(1).BYTES_PER_ELEMENT === 4 ? Math.fround(-32767) : -32767;
    const a = make(1000);
    const rnd = rng(7);
    for (let i = 0; i < a.length; i++) a[i] = rnd() * 100;
    a[3] = fill;
    a[999] = fill;
    // Build an unaligned copy of the fill's bytes: two neighbours whose bytes around the boundary spell it.
    const bytes = new Uint8Array(a.buffer);
    const pat = new Uint8Array(make(1).map(() => fill).buffer);
    const e = pat.length;
    bytes.set(pat, 500 * e + 1);
    const expected = reference(a, [fill]);
    mask(a, [fill, fill]);
    expect(sameBits(a, expected)).toBe(true);
    expect(Number.isNaN(a[3]) && Number.isNaN(a[999])).toBe(true);
  });

  test('a zero fill masks +0 and -0; a NaN fill changes nothing', () => {
    const a = make(8).map((_, i) => [0, -0, 1, 2, -0, 3, 0, 4][i]);
    const expected = reference(a, [0]);
    mask(a, [0, NaN]);
    expect(sameBits(a, expected)).toBe(true);
    expect(Array.from(a, (x) => Number.isNaN(x))).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
      true,
      false,
    ]);
    const b = make(3).map((_, i) => [1, NaN, 2][i]);
    mask(b, [NaN]);
    expect(Array.from(b)).toEqual([1, NaN, 2]);
  });

  test('dense fills (every other element) and several fill values', () => {
    const a = make(5000);
    const rnd = rng(11);
    for (let i = 0; i < a.length; i++) a[i] = i % 2 ? -999 : i % 7 ? Math.floor(rnd() * 4) : 1e20;
    const fills = [-999, 1e20, 3].map((f) => (a.BYTES_PER_ELEMENT === 4 ? Math.fround(f) : f));
    const expected = reference(a, fills);
    mask(a, fills);
    expect(sameBits(a, expected)).toBe(true);
  });
});
