/**
 * CF decoding of stored values, matching xarray's `decode_cf` (mask_and_scale=True) so results compare equal:
 * `_Unsigned`, then `_FillValue`/`missing_value` → NaN, then `value * scale_factor + add_offset`
 * (CF-1.8 §2.5.1 and §8.1). `valid_range`/`valid_min`/`valid_max` are not applied (xarray does not either).
 */
import type { NumericArray } from './store.js';
import type { AttrValue, NcType, VariableInfo } from './types.js';

function numbers(v: AttrValue | undefined): number[] {
  if (v === undefined || typeof v === 'string') return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * The decoded type, as xarray chooses it: its mask coder first turns byte/short with a fill value into float32
 * (int/int64 into float64); its scale coder (`_choose_float_dtype`) then keeps float32, gives float32 to
 * byte/short packed without add_offset, and float64 to everything else. Unpacked 8/16-bit integers, which
 * xarray leaves as integers, become float32 (lossless); wider integers float64.
 */
export function decodedIsFloat32(dtype: NcType, attrs: VariableInfo['attrs']): boolean {
  const small = dtype === 'byte' || dtype === 'ubyte' || dtype === 'short' || dtype === 'ushort';
  const hasFill = '_FillValue' in attrs || 'missing_value' in attrs;
  const base = dtype === 'float' || (small && hasFill) ? 'f32' : small ? 'small' : 'wide';
  if (isPacked(attrs)) return base === 'f32' || (base === 'small' && !('add_offset' in attrs));
  return base !== 'wide';
}

/** True when the variable is packed (has scale_factor or add_offset). */
export function isPacked(attrs: VariableInfo['attrs']): boolean {
  return 'scale_factor' in attrs || 'add_offset' in attrs;
}

const UNSIGNED_BITS: Partial<Record<NcType, number>> = { byte: 8, short: 16, int: 32 };

/**
 * Decode stored values (a typed array of the stored type) into float32/float64 with NaN for missing. The
 * stored values are first widened natively into the output type (exact for every type: 8/16-bit and float
 * into float32, the rest into float64), so the masking and scaling loops below each see one array type.
 */
export function decodeValues(raw: NumericArray, v: VariableInfo): Float32Array | Float64Array {
  const attrs = v.attrs;
  const f32 = decodedIsFloat32(v.dtype, attrs);
  let out: Float32Array | Float64Array;
  if (f32 && raw instanceof Float32Array) out = raw;
  else if (!f32 && raw instanceof Float64Array) out = raw;
  else {
    out = f32 ? new Float32Array(raw.length) : new Float64Array(raw.length);
    out.set(raw); // native, exact widening
  }
  // _Unsigned = "true" marks netCDF-3 bytes/shorts/ints that hold unsigned values (NUG, xarray UnsignedIntegerCoder).
  const bits = attrs._Unsigned === 'true' ? UNSIGNED_BITS[v.dtype] : undefined;
  const wrap = bits ? 2 ** bits : 0;
  const fills = [...numbers(attrs._FillValue), ...numbers(attrs.missing_value)].map((f) =>
    wrap && f < 0 ? f + wrap : f_round(f, f32),
  );
  const scale = numbers(attrs.scale_factor)[0];
  const offset = numbers(attrs.add_offset)[0];
  if (f32) decode32(out as Float32Array, wrap, fills, scale, offset);
  else decode64(out as Float64Array, wrap, fills, scale, offset);
  return out;
}

function f_round(x: number, f32: boolean): number {
  return f32 ? Math.fround(x) : x;
}

function unsign32(a: Float32Array, wrap: number): void {
  for (let i = 0; i < a.length; i++) if (a[i] < 0) a[i] += wrap;
}

function unsign64(a: Float64Array, wrap: number): void {
  for (let i = 0; i < a.length; i++) if (a[i] < 0) a[i] += wrap;
}

/**
 * Set every element equal to one of `fills` to NaN. Equality of non-zero, non-NaN floats is equality of their
 * bit patterns, so each fill is found with Buffer.indexOf (a native byte search) at element-aligned offsets;
 * a zero fill is searched as both +0 and -0 (IEEE 754: -0 == +0), a NaN fill is already NaN. When matches are
 * dense the per-match call costs more than a scan, so the rest is masked by a plain loop.
 */
export function mask(a: Float32Array | Float64Array, fills: number[]): void {
  const fs = [...new Set(fills.filter((f) => !Number.isNaN(f)))];
  if (fs.length === 0 || a.length === 0) return;
  const elem = a.BYTES_PER_ELEMENT;
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  // Patterns in the host's byte order, as the typed array holds them.
  const patterns = fs.flatMap((f) =>
    (f === 0 ? [0, -0] : [f]).map((x) => {
      const p = elem === 4 ? Float32Array.of(x) : Float64Array.of(x);
      return Buffer.from(p.buffer);
    }),
  );
  const budget = 64 + (a.length >> 6);
  let calls = 0;
  for (const p of patterns) {
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(p, from);
      if (at < 0) break;
      if (++calls > budget) {
        if (a instanceof Float32Array) maskLoop32(a, fs);
        else maskLoop64(a, fs);
        return;
      }
      const r = at % elem;
      if (r === 0) a[at / elem] = NaN;
      from = at - r + elem;
    }
  }
}

// maskLoop32/maskLoop64 are two copies on purpose: one element type per loop keeps V8's loads monomorphic.
function maskLoop32(a: Float32Array, fs: number[]): void {
  const f0 = fs[0];
  const f1 = fs.length > 1 ? fs[1] : f0;
  const more = fs.slice(2);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === f0 || x === f1 || (more.length > 0 && more.includes(x))) a[i] = NaN;
  }
}

function maskLoop64(a: Float64Array, fs: number[]): void {
  const f0 = fs[0];
  const f1 = fs.length > 1 ? fs[1] : f0;
  const more = fs.slice(2);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === f0 || x === f1 || (more.length > 0 && more.includes(x))) a[i] = NaN;
  }
}

/**
 * float32 output: emulate numpy 1.x as xarray uses it (scalar attributes cast to float32, each product and sum
 * rounded once to float32); numpy 2 would differ by at most 1 ulp for double attributes.
 */
function decode32(a: Float32Array, wrap: number, fills: number[], scale?: number, offset?: number): void {
  if (wrap) unsign32(a, wrap);
  mask(a, fills);
  // Float32Array stores round every result to float32; the products of two float32 values are exact in double.
  if (scale !== undefined) {
    const s = Math.fround(scale);
    for (let i = 0; i < a.length; i++) a[i] = a[i] * s;
  }
  if (offset !== undefined) {
    const o = Math.fround(offset);
    for (let i = 0; i < a.length; i++) a[i] = a[i] + o;
  }
}

function decode64(a: Float64Array, wrap: number, fills: number[], scale?: number, offset?: number): void {
  if (wrap) unsign64(a, wrap);
  mask(a, fills);
  if (scale !== undefined && offset !== undefined) {
    for (let i = 0; i < a.length; i++) a[i] = a[i] * scale + offset;
  } else if (scale !== undefined) {
    for (let i = 0; i < a.length; i++) a[i] *= scale;
  } else if (offset !== undefined) {
    for (let i = 0; i < a.length; i++) a[i] += offset;
  }
}
