/**
 * The format-specific half of a Dataset: metadata plus raw hyperslab reads. `nc3Store` (netcdfjs header +
 * positioned reads) and `nc4Store` (h5wasm) implement it; `NcDataset` adds CF decoding on top.
 */
import type { Attributes, DimensionInfo, NcType, NetcdfFormat, VariableInfo } from './types.js';

/** Values exactly as stored, in the stored type (int64 widened to float64). */
export type NumericArray =
  Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface RawStore {
  readonly path: string;
  readonly format: NetcdfFormat;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attrs: Attributes;
  /** Stored type of each global attribute (for writing them back unchanged). */
  readonly attrTypes: Record<string, NcType>;
  /**
   * Read a validated hyperslab (start/count already checked against the shape). Numeric variables return a
   * typed array of `product(count)` values; char variables one string per row of their last dimension;
   * string variables one string per element.
   */
  read(variable: VariableInfo, start: number[], count: number[]): NumericArray | string[];
  close(): void;
}

export function product(xs: number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Numeric attribute values as one number (length-1) or a list. */
export function attrNumbers(values: ArrayLike<number | bigint>): number | number[] {
  const out = Array.from(values, (v) => Number(v));
  return out.length === 1 ? out[0] : out;
}
