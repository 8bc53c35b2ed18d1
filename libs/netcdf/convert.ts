/**
 * `epp convert`: rewrite any readable NetCDF file as CF NetCDF (netCDF-3 64-bit offset or netCDF-4) with every
 * dimension, variable and attribute kept and the values CF-decoded: packed/integer data become float
 * (float64 where xarray decodes to float64, double stays double), missing values are written back as the
 * netCDF default `_FillValue` of the new type, and scale_factor/add_offset/_Unsigned/missing_value are dropped
 * because they no longer apply (valid_min/valid_max/valid_range of packed variables are unpacked).
 */
import { openDataset } from './open.js';
import { isPacked } from './cf.js';
import type { NcDataset } from './dataset.js';
import type { Attributes, DimensionSpec, FileSpec, NcType, VariableInfo, VariableSpec } from './types.js';
import { writeNetcdf } from './write.js';

/** netCDF default fill values (netcdf.h NC_FILL_FLOAT / NC_FILL_DOUBLE). */
export const NC_FILL_FLOAT = 9.969209968386869e36;
export const NC_FILL_DOUBLE = 9.969209968386869e36;
const DROPPED = new Set(['scale_factor', 'add_offset', '_Unsigned', 'missing_value', '_FillValue']);
const VALID = ['valid_min', 'valid_max', 'valid_range'];

export interface ConvertSummary {
  input: string;
  output: string;
  inputFormat: string;
  outputFormat: 'nc3' | 'nc4';
  dimensions: number;
  variables: number;
  /** Values written as _FillValue (missing), over all variables. */
  missing: number;
}

function decodedVariable(ds: NcDataset, v: VariableInfo): { spec: VariableSpec; missing: number } {
  const decoded = ds.readVariable(v.name);
  const dtype: NcType = decoded.data instanceof Float32Array ? 'float' : 'double';
  const attrs: Attributes = {};
  const attrTypes: Record<string, NcType> = {};
  const packed = isPacked(v.attrs);
  const scale = Number(v.attrs.scale_factor ?? 1);
  const offset = Number(v.attrs.add_offset ?? 0);
  for (const [k, val] of Object.entries(v.attrs)) {
    if (DROPPED.has(k)) continue;
    if (packed && VALID.includes(k) && typeof val !== 'string') {
      attrs[k] = Array.isArray(val) ? val.map((x) => x * scale + offset) : val * scale + offset;
      continue; // typed like the variable
    }
    attrs[k] = val;
    const t = v.attrTypes?.[k];
    if (t && !VALID.includes(k)) attrTypes[k] = t;
  }
  const data = decoded.data;
  let missing = 0;
  for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) missing++;
  const hadFill = '_FillValue' in v.attrs || 'missing_value' in v.attrs;
  if (missing > 0 || hadFill) {
    const fill = dtype === 'float' ? NC_FILL_FLOAT : NC_FILL_DOUBLE;
    attrs._FillValue = fill;
    if (missing > 0) for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) data[i] = fill;
  }
  return { spec: { name: v.name, dtype, dims: v.dims, attrs, attrTypes, data }, missing };
}

/** Describe the whole dataset as a FileSpec of decoded values. */
export function decodedSpec(ds: NcDataset, format: 'nc3' | 'nc4'): { spec: FileSpec; missing: number } {
  const dimensions: DimensionSpec[] = ds.dimensions.map((d) => ({ ...d }));
  const variables: VariableSpec[] = [];
  let missing = 0;
  for (const v of ds.variables) {
    if (v.dtype === 'char') {
      variables.push({
        name: v.name,
        dtype: 'char',
        dims: v.dims,
        attrs: v.attrs,
        attrTypes: v.attrTypes,
        data: ds.readRaw(v.name).data,
      });
      continue;
    }
    if (v.dtype === 'string') {
      // netCDF-4 variable-length strings become char arrays with a new length dimension.
      const strings = ds.readRaw(v.name).data as string[];
      const dim = `${v.name}_strlen`;
      dimensions.push({
        name: dim,
        size: Math.max(1, ...strings.map((s) => Buffer.byteLength(s, 'latin1'))),
      });
      variables.push({ name: v.name, dtype: 'char', dims: [...v.dims, dim], attrs: v.attrs, data: strings });
      continue;
    }
    const r = decodedVariable(ds, v);
    missing += r.missing;
    variables.push(r.spec);
  }
  if (format === 'nc3') {
    // netCDF-3 allows one unlimited dimension, first in every variable using it: fix the size of the others.
    let kept: string | undefined;
    for (const d of dimensions.filter((x) => x.unlimited)) {
      const ok = !kept && variables.every((v) => !v.dims.includes(d.name) || v.dims[0] === d.name);
      if (ok) kept = d.name;
      else d.unlimited = false;
    }
  }
  return { spec: { dimensions, variables, attrs: ds.attrs, attrTypes: ds.attrTypes }, missing };
}

export async function convertFile(
  input: string,
  output: string,
  options: { format?: 'nc3' | 'nc4' } = {},
): Promise<ConvertSummary> {
  const format = options.format ?? 'nc3';
  const ds = await openDataset(input);
  try {
    const { spec, missing } = decodedSpec(ds, format);
    await writeNetcdf(output, spec, { format });
    return {
      input,
      output,
      inputFormat: ds.format,
      outputFormat: format,
      dimensions: spec.dimensions.length,
      variables: spec.variables.length,
      missing,
    };
  } finally {
    ds.close();
  }
}
