/**
 * The NetCDF data model as epp sees it, independent of the on-disk format (netCDF-3 via netcdfjs,
 * netCDF-4/HDF5 via h5wasm). Arrays are typed arrays with explicit dims and shape, never nested JS arrays.
 */

/** NetCDF external types (netCDF-3 has byte..double; netCDF-4 adds the unsigned, 64-bit and string types). */
export type NcType =
  | 'byte'
  | 'char'
  | 'short'
  | 'int'
  | 'float'
  | 'double'
  | 'ubyte'
  | 'ushort'
  | 'uint'
  | 'int64'
  | 'uint64'
  | 'string';

/** An attribute value: text, or numbers (a scalar numeric attribute is a length-1 array in the file). */
export type AttrValue = string | number | number[];
export type Attributes = Record<string, AttrValue>;

/** On-disk formats; GRIB files (libs/grib) are presented through the same data model. */
export type NetcdfFormat =
  'nc3-classic' | 'nc3-64bit-offset' | 'nc4' | 'nc4-classic' | 'grib1' | 'grib2' | 'grib';

export interface DimensionInfo {
  name: string;
  size: number;
  unlimited: boolean;
}

export interface VariableInfo {
  name: string;
  dtype: NcType;
  dims: string[];
  shape: number[];
  attrs: Attributes;
  /** Stored type of each attribute (lets `epp convert` write attributes back with their original types). */
  attrTypes?: Record<string, NcType>;
}

/** A hyperslab: `start` and `count` per dimension (defaults: 0 and the full extent). */
export interface Slice {
  start?: number[];
  count?: number[];
}

/** Values of one variable after CF decoding (packing undone, missing values → NaN). */
export interface DecodedVariable {
  name: string;
  data: Float32Array | Float64Array;
  dims: string[];
  shape: number[];
  attrs: Attributes;
}

export interface MemberAxis {
  /** Dimension name (`number`, `realization`, `member`, `ensemble_member`, or one with standard_name realization). */
  name: string;
  size: number;
}

/** An open NetCDF file. Reads are lazy: only the requested hyperslab is decoded where the format allows. */
export interface Dataset {
  readonly path: string;
  readonly format: NetcdfFormat;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attrs: Attributes;
  /** Variable metadata, or a NotFoundInFileError naming the file and the variables it does hold. */
  variable(name: string): VariableInfo;
  hasVariable(name: string): boolean;
  /**
   * CF-decoded values, typed as xarray decodes them: float32 for float and for byte/short without add_offset,
   * float64 otherwise (double, int, int64, packed with add_offset).
   */
  readVariable(name: string, slice?: Slice): DecodedVariable;
  /**
   * Undecoded values exactly as stored: numbers as a typed array of the stored type (int64 as Float64Array);
   * char variables as one string per row of their last dimension; string variables one string per element.
   */
  readRaw(
    name: string,
    slice?: Slice,
  ): { data: ArrayLike<number> | string[]; dims: string[]; shape: number[] };
  /** A CF time variable converted to seconds since 1970-01-01T00:00:00Z. */
  readTime(name: string): Float64Array;
  /** The ensemble member dimension, or null when the file holds no ensemble. */
  memberAxis(): MemberAxis | null;
  close(): void;
}

/** What the writer takes: a whole file described up front, data as typed arrays. */
export interface DimensionSpec {
  name: string;
  size: number;
  unlimited?: boolean;
}

export interface VariableSpec {
  name: string;
  dtype: Exclude<NcType, 'string'>;
  dims: string[];
  attrs?: Attributes;
  /** Attribute types; when absent: text → char, _FillValue/missing_value/valid_* → the variable's type,
   *  integers → int, other numbers → double. */
  attrTypes?: Record<string, NcType>;
  /** Row-major values matching the dims' sizes; for `char`, a string (or strings, padded per the last dim). */
  data: ArrayLike<number> | string | string[];
}

export interface FileSpec {
  dimensions: DimensionSpec[];
  variables: VariableSpec[];
  attrs?: Attributes;
  attrTypes?: Record<string, NcType>;
}
