/**
 * netCDF-4 writer through h5wasm: netCDF-4's HDF5 encoding (NUG "NetCDF-4 Format") — every dimension is a
 * dimension scale (its coordinate variable, or a placeholder dataset whose NAME says it is "a netCDF dimension
 * but not a netCDF variable") numbered by `_Netcdf4Dimid` and attached to each variable; variables are
 * zlib-compressed chunks; text attributes are fixed-length NUL-terminated strings (netCDF `char`).
 */
import { attrType, charBytes, shapeOf } from './spec.js';
import { loadH5wasm } from './nc4Store.js';
import type { AttrValue, Attributes, FileSpec, NcType, VariableSpec } from './types.js';

export const NC4_TYPES: ReadonlySet<NcType> = new Set([
  'byte',
  'char',
  'short',
  'int',
  'float',
  'double',
  'ubyte',
  'ushort',
  'uint',
  'int64',
  'uint64',
]);

const DTYPE: Record<string, string> = {
  byte: '<b',
  ubyte: '<B',
  short: '<h',
  ushort: '<H',
  int: '<i',
  uint: '<I',
  int64: '<q',
  uint64: '<Q',
  float: '<f',
  double: '<d',
};
const PHONY = 'This is a netCDF dimension but not a netCDF variable.';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

function typed(values: ArrayLike<number>, t: NcType): ArrayLike<number> | BigInt64Array | BigUint64Array {
  switch (t) {
    case 'byte':
      return Int8Array.from(values);
    case 'ubyte':
      return Uint8Array.from(values);
    case 'short':
      return Int16Array.from(values);
    case 'ushort':
      return Uint16Array.from(values);
    case 'int':
      return Int32Array.from(values);
    case 'uint':
      return Uint32Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values, (x) => BigInt(Math.trunc(x))));
    case 'uint64':
      return BigUint64Array.from(Array.from(values, (x) => BigInt(Math.trunc(x))));
    case 'float':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    default:
      return values instanceof Float64Array ? values : Float64Array.from(values);
  }
}

function writeAttrs(
  obj: H5Group | H5Dataset,
  attrs: Attributes | undefined,
  declared: Record<string, NcType> | undefined,
  varType?: NcType,
): void {
  for (const [name, value] of Object.entries(attrs ?? {})) writeAttr(obj, name, value, declared, varType);
}

function writeAttr(
  obj: H5Group | H5Dataset,
  name: string,
  value: AttrValue,
  declared: Record<string, NcType> | undefined,
  varType?: NcType,
): void {
  if (typeof value === 'string') {
    const len = Math.max(1, Buffer.byteLength(value, 'utf8'));
    obj.create_attribute(name, value, null, `A${len}`);
    return;
  }
  const t = attrType(name, value, declared, varType);
  const xs = Array.isArray(value) ? value : [value];
  obj.create_attribute(
    name,
    typed(xs, t === 'char' || t === 'string' ? 'double' : t) as never,
    [xs.length],
    DTYPE[t] ?? '<d',
  );
}

function chunking(shape: number[], unlimited: boolean[]): { chunks: number[]; maxshape: (number | null)[] } {
  return {
    chunks: shape.map((s, i) => (unlimited[i] ? 1 : Math.max(1, s))),
    maxshape: shape.map((s, i) => (unlimited[i] ? null : s)),
  };
}

function createVariable(f: H5Group, spec: FileSpec, v: VariableSpec): H5Dataset {
  const shape = shapeOf(spec, v);
  const unlimited = v.dims.map((d) => spec.dimensions.find((x) => x.name === d)!.unlimited === true);
  const anyUnlimited = unlimited.some(Boolean);
  const hasZero = shape.some((s) => s === 0);
  const layout = shape.length && !hasZero ? chunking(shape, unlimited) : null;
  if (v.dtype === 'char') {
    const chars = Array.from(charBytes(v, shape), (c) => String.fromCharCode(c));
    return f.create_dataset({ name: v.name, data: chars, shape, dtype: 'A1' });
  }
  return f.create_dataset({
    name: v.name,
    data: typed(v.data as ArrayLike<number>, v.dtype) as never,
    shape,
    dtype: DTYPE[v.dtype],
    ...(layout ? { chunks: layout.chunks, compression: 4 } : {}),
    ...(layout && anyUnlimited ? { maxshape: layout.maxshape } : {}),
  });
}

/** Write a validated spec as netCDF-4 (the caller renames it into place). */
export async function writeNc4(path: string, spec: FileSpec): Promise<void> {
  const h5 = await loadH5wasm();
  const f = new h5.File(path, 'w');
  try {
    const created = new Set<string>();
    for (const [id, d] of spec.dimensions.entries()) {
      const coord = spec.variables.find(
        (v) => v.name === d.name && v.dims.length === 1 && v.dims[0] === d.name,
      );
      let ds: H5Dataset;
      if (coord) {
        ds = createVariable(f, spec, coord);
        created.add(coord.name);
        ds.make_scale(d.name);
      } else {
        const layout = d.unlimited && d.size > 0 ? chunking([d.size], [true]) : null;
        ds = f.create_dataset({
          name: d.name,
          data: new Float32Array(d.size),
          shape: [d.size],
          dtype: '<f',
          ...(layout ? { chunks: layout.chunks, maxshape: layout.maxshape } : {}),
        });
        ds.make_scale(`${PHONY}${String(d.size).padStart(10)}`);
      }
      ds.create_attribute('_Netcdf4Dimid', Int32Array.of(id), [], '<i');
      if (coord) writeAttrs(ds, coord.attrs, coord.attrTypes, coord.dtype);
    }
    for (const v of spec.variables) {
      if (created.has(v.name)) continue;
      const ds = createVariable(f, spec, v);
      v.dims.forEach((d, i) => ds.attach_scale(i, `/${d}`));
      writeAttrs(ds, v.attrs, v.attrTypes, v.dtype);
    }
    writeAttrs(f, spec.attrs, spec.attrTypes);
  } finally {
    f.close();
  }
}
