/** Validation of a writer FileSpec and the attribute-type rules shared by the nc3 and nc4 writers. */
import { InvalidArgumentError } from '../contracts/errors.js';
import { product } from './store.js';
import type { AttrValue, FileSpec, NcType, VariableSpec } from './types.js';

/** Attributes whose type must be the variable's type (NUG "Attribute Conventions"). */
const TYPED_LIKE_VARIABLE = new Set(['_FillValue', 'missing_value', 'valid_min', 'valid_max', 'valid_range']);

/** The type an attribute is written with: its declared type, else text → char, else inferred from the values. */
export function attrType(
  name: string,
  value: AttrValue,
  declared: Record<string, NcType> | undefined,
  varType?: NcType,
): NcType {
  if (typeof value === 'string') return 'char';
  const t = declared?.[name];
  if (t && t !== 'char' && t !== 'string') return t;
  if (varType && varType !== 'char' && TYPED_LIKE_VARIABLE.has(name)) return varType;
  const xs = Array.isArray(value) ? value : [value];
  return xs.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 31) ? 'int' : 'double';
}

/** Shape of a variable from the spec's dimensions. */
export function shapeOf(spec: FileSpec, v: VariableSpec): number[] {
  return v.dims.map((d) => spec.dimensions.find((x) => x.name === d)!.size);
}

/** Check names, dimensions and data lengths before anything is written; errors name the variable. */
export function validateSpec(path: string, spec: FileSpec, allowed: ReadonlySet<NcType>): void {
  const seen = new Set<string>();
  let unlimited = 0;
  for (const d of spec.dimensions) {
    if (!d.name || seen.has(d.name))
      throw new InvalidArgumentError(`${path}: dimension name '${d.name}' is empty or repeated`);
    if (!Number.isInteger(d.size) || d.size < 0)
      throw new InvalidArgumentError(`${path}: dimension '${d.name}' has invalid size ${d.size}`);
    if (d.unlimited) unlimited++;
    seen.add(d.name);
  }
  if (unlimited > 1)
    throw new InvalidArgumentError(`${path}: ${unlimited} unlimited dimensions; netCDF-3 allows one`);
  const names = new Set<string>();
  for (const v of spec.variables) {
    const where = `${path}: variable '${v.name}'`;
    if (!v.name || names.has(v.name)) throw new InvalidArgumentError(`${where}: name is empty or repeated`);
    names.add(v.name);
    if (!allowed.has(v.dtype))
      throw new InvalidArgumentError(`${where}: type ${v.dtype} cannot be written in this format`);
    for (const [i, d] of v.dims.entries()) {
      const dim = spec.dimensions.find((x) => x.name === d);
      if (!dim)
        throw new InvalidArgumentError(
          `${where}: dimension '${d}' is not defined (defined: ${spec.dimensions.map((x) => x.name).join(', ')})`,
        );
      if (dim.unlimited && i !== 0)
        throw new InvalidArgumentError(`${where}: the unlimited dimension '${d}' must come first`);
    }
    const shape = shapeOf(spec, v);
    const n = product(shape);
    if (v.dtype === 'char') {
      const width = shape.length ? shape[shape.length - 1] : 1;
      const rows = typeof v.data === 'string' ? [v.data] : Array.isArray(v.data) ? v.data : null;
      if (!rows || rows.some((r) => typeof r !== 'string'))
        throw new InvalidArgumentError(`${where}: char data must be a string or strings`);
      const total = typeof v.data === 'string' ? n : width;
      if (rows.some((r) => r.length > total))
        throw new InvalidArgumentError(`${where}: a string is longer than ${total} characters`);
      if (Array.isArray(v.data) && v.data.length !== n / (width || 1))
        throw new InvalidArgumentError(`${where}: ${v.data.length} strings for ${n / (width || 1)} rows`);
      continue;
    }
    if (typeof v.data === 'string' || (Array.isArray(v.data) && typeof v.data[0] === 'string'))
      throw new InvalidArgumentError(`${where}: numeric variable given text data`);
    if (v.data.length !== n)
      throw new InvalidArgumentError(
        `${where}: data has ${v.data.length} values, dimensions (${v.dims.join(', ')}) = [${shape.join(', ')}] need ${n}`,
      );
  }
}

/** Char data as bytes: one string for the whole array, or one per row of the last dimension, NUL-padded. */
export function charBytes(v: VariableSpec, shape: number[]): Uint8Array {
  const n = product(shape);
  const out = new Uint8Array(n);
  const width = shape.length ? shape[shape.length - 1] : 1;
  const rows = typeof v.data === 'string' ? [v.data] : (v.data as string[]);
  const step = typeof v.data === 'string' ? n : width;
  rows.forEach((r, i) => out.set(Buffer.from(r, 'latin1').subarray(0, step), i * step));
  return out;
}
