/** Hyperslab helpers: validate `start`/`count` against a shape, and copy a hyperslab out of a larger block. */
import { SliceOutOfRangeError } from '../contracts/errors.js';
import type { NumericArray } from './store.js';
import type { Slice, VariableInfo } from './types.js';

/** Fill in defaults (start 0, count = rest of the extent) and check every bound; names file and variable. */
export function resolveSlice(
  path: string,
  v: VariableInfo,
  slice: Slice = {},
): { start: number[]; count: number[] } {
  const rank = v.shape.length;
  const start = slice.start ?? new Array<number>(rank).fill(0);
  const count = slice.count ?? v.shape.map((n, i) => n - (start[i] ?? 0));
  const where = `${path}: variable '${v.name}' has shape [${v.shape.join(', ')}] (${v.dims.join(', ')})`;
  if (start.length !== rank || count.length !== rank)
    throw new SliceOutOfRangeError(
      `${where}; slice start [${start.join(', ')}] / count [${count.join(', ')}] must have ${rank} entries`,
    );
  for (let i = 0; i < rank; i++) {
    const s = start[i];
    const c = count[i];
    if (!Number.isInteger(s) || !Number.isInteger(c) || s < 0 || c < 0 || s + c > v.shape[i])
      throw new SliceOutOfRangeError(
        `${where}; slice start ${s} count ${c} is outside dimension '${v.dims[i]}' (size ${v.shape[i]})`,
      );
  }
  return { start, count };
}

/** Row-major strides (in elements) of an array of shape `shape`. */
export function rowStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Flat index of a hyperslab's first element and the number of elements from it to its last, inclusive. */
export function hyperslabSpan(
  shape: number[],
  start: number[],
  count: number[],
): { first: number; span: number } {
  const st = rowStrides(shape);
  let first = 0;
  let last = 0;
  for (let d = 0; d < shape.length; d++) {
    first += start[d] * st[d];
    last += (start[d] + count[d] - 1) * st[d];
  }
  return { first, span: last - first + 1 };
}

/**
 * Copy the hyperslab `start`/`count` of a row-major array of shape `shape` into `dst` at `dstOffset`, where
 * `src` holds that array's elements from flat index `srcFirst` on. Rows of the innermost dimension are copied
 * with `subarray`/`set` (one memcpy each).
 */
export function copyHyperslab(
  src: NumericArray,
  shape: number[],
  start: number[],
  count: number[],
  dst: NumericArray,
  dstOffset = 0,
  srcFirst = 0,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[dstOffset] = src[0 - srcFirst];
    return;
  }
  const strides = rowStrides(shape);
  const inner = count[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  let out = dstOffset;
  const rows = count.slice(0, -1).reduce((a, b) => a * b, 1);
  if (inner === 0 || rows === 0) return;
  for (let r = 0; r < rows; r++) {
    let off = start[rank - 1] - srcFirst;
    for (let i = 0; i < rank - 1; i++) off += (start[i] + idx[i]) * strides[i];
    dst.set(src.subarray(off, off + inner), out);
    out += inner;
    for (let i = rank - 2; i >= 0; i--) {
      if (++idx[i] < count[i]) break;
      idx[i] = 0;
    }
  }
}
