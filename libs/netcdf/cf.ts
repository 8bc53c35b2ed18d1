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

/** Decode stored values (a typed array of the stored type) into float32/float64 with NaN for missing. */
export function decodeValues(raw: NumericArray, v: VariableInfo): Float32Array | Float64Array {
  const attrs = v.attrs;
  const f32 = decodedIsFloat32(v.dtype, attrs);
  const n = raw.length;
  const out = f32 ? new Float32Array(n) : new Float64Array(n);
  // _Unsigned = "true" marks netCDF-3 bytes/shorts/ints that hold unsigned values (NUG, xarray UnsignedIntegerCoder).
  const bits = attrs._Unsigned === 'true' ? UNSIGNED_BITS[v.dtype] : undefined;
  const wrap = bits ? 2 ** bits : 0;
  const fills = [...numbers(attrs._FillValue), ...numbers(attrs.missing_value)].map((f) =>
    wrap && f < 0 ? f + wrap : f,
  );
  const scale = numbers(attrs.scale_factor)[0];
  const offset = numbers(attrs.add_offset)[0];
  const hasScale = scale !== undefined;
  const hasOffset = offset !== undefined;
  const fillA = fills[0];
  const fillB = fills.length > 1 ? fills[1] : fills[0];
  const nFill = fills.length;
  const extraFills = fills.slice(2);
  if (f32) {
    // Emulate float32 arithmetic exactly as numpy 1.x does it (scalar attributes cast to float32, every
    // product/sum rounded once to float32); numpy 2 would differ by at most 1 ulp for double attributes.
    const s = hasScale ? Math.fround(scale) : 1;
    const o = hasOffset ? Math.fround(offset) : 0;
    for (let i = 0; i < n; i++) {
      let x = raw[i];
      if (wrap && x < 0) x += wrap;
      if (nFill && (x === fillA || x === fillB || (extraFills.length && extraFills.includes(x)))) {
        out[i] = NaN;
        continue;
      }
      if (hasScale) x = Math.fround(Math.fround(x) * s);
      if (hasOffset) x = Math.fround(x + o);
      out[i] = x;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let x = raw[i];
    if (wrap && x < 0) x += wrap;
    if (nFill && (x === fillA || x === fillB || (extraFills.length && extraFills.includes(x)))) {
      out[i] = NaN;
      continue;
    }
    if (hasScale) x *= scale;
    if (hasOffset) x += offset;
    out[i] = x;
  }
  return out;
}
