/**
 * netCDF-4 / HDF5. By default every byte is parsed by the direct reader (h5chunks.ts), which bounds-checks
 * each structure against the file and verifies the checksums the file carries; a file using a storage
 * feature it does not handle is refused (UnsupportedNetcdfError) rather than handed to h5wasm, because
 * h5wasm does not fail closed: one changed byte can send it into an endless loop inside wasm (which no
 * timer can interrupt in-process), and after a failed chunk read it prints HDF5 diagnostics and still returns
 * a buffer. `{ direct: false }` reads through h5wasm (the HDF5 C library compiled to WebAssembly): the
 * reference the tests compare the direct reader with, for trusted files only.
 *
 * netCDF-4 dimensions are HDF5 dimension scales: datasets with CLASS=DIMENSION_SCALE, ordered by
 * `_Netcdf4Dimid`, attached to variables through DIMENSION_LIST. A dimension without a coordinate variable
 * is a scale whose NAME says "This is a netCDF dimension but not a netCDF variable"; those are hidden from
 * the variables. Only the root group is read.
 */
import { closeSync, openSync } from 'node:fs';
import { CorruptNetcdfError, InvalidNetcdfError, UnsupportedNetcdfError } from '../contracts/errors.js';
import { H5ChunkReader, type ChunkPlan } from './h5chunks.js';
import { attrNumbers, product, type NumericArray, type RawStore } from './store.js';
import type { AttrValue, Attributes, DimensionInfo, NcType, NetcdfFormat, VariableInfo } from './types.js';

type H5 = typeof import('h5wasm/node');
type H5File = InstanceType<H5['File']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let h5: Promise<H5> | undefined;
/** The wasm module is loaded once per process. */
export function loadH5wasm(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5;
}

/** HDF5 bookkeeping attributes that netCDF-C hides from users. */
const INTERNAL_ATTRS = new Set([
  'DIMENSION_LIST',
  'REFERENCE_LIST',
  'CLASS',
  'NAME',
  '_Netcdf4Dimid',
  '_Netcdf4Coordinates',
  '_NCProperties',
  '_nc3_strict',
  '_SuperblockVersion',
  '_IsNetcdf4',
]);
const PHONY_DIM = 'This is a netCDF dimension but not a netCDF variable';
/** H5S_UNLIMITED (2^64 - 1) as h5wasm reports it in `maxshape`. */
const UNLIMITED = 2 ** 63;
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

export class Nc4Store implements RawStore {
  readonly format: NetcdfFormat;
  readonly dimensions: DimensionInfo[] = [];
  readonly variables: VariableInfo[] = [];
  private global?: { attrs: Attributes; types: Record<string, NcType> };
  private readonly datasets = new Map<string, H5Dataset | null>();
  private readonly metas = new Map<string, H5Dataset['metadata']>();
  /** Object header addresses of the datasets parsed directly. */
  private readonly addresses = new Map<string, number>();
  /** Chunk layouts of the variables read so far in this open (null: read through h5wasm). */
  private readonly plans = new Map<string, ChunkPlan | null>();
  private readonly directReads = new Set<string>();
  private chunkReader?: H5ChunkReader;
  /** Datasets whose metadata were parsed from their object headers (the rest came from h5wasm). */
  readonly directlyParsed: string[] = [];
  /** Variables whose user attributes were decoded from their object headers. */
  readonly directlyDecodedAttrs: string[] = [];
  private fd: number | null = null;
  /** The h5wasm file in reference mode (`direct: false`); null when the direct reader reads everything. */
  private file: H5File | null;
  private closed = false;

  constructor(
    readonly path: string,
    file: H5File | null,
    private readonly options: Nc4Options = {},
  ) {
    this.file = file;
    try {
      const strict = file === null;
      const rootNames = new Set(
        strict ? this.need(this.raw().rootAttributeNames()) : Object.keys(file.attrs),
      );
      this.format = rootNames.has('_nc3_strict') ? 'nc4-classic' : 'nc4';
      const entries: Entry[] = [];
      if (strict) {
        for (const { name, address } of this.need(this.raw().rootLinks())) {
          if (address === undefined) continue; // soft and external links: not part of netCDF
          const known = this.directEntry(name, address);
          if (known) entries.push(known);
        }
      } else
        for (const name of file.keys()) {
          const obj = file.get(name);
          if (obj && obj.constructor.name === 'Dataset') entries.push(entry(name, obj as H5Dataset));
        }
      const byAddress = new Map(
        entries.filter((e) => e.address !== undefined).map((e) => [e.address!, e.name]),
      );
      const isNetcdf4 =
        rootNames.has('_NCProperties') ||
        entries.some(
          ({ names, attrs: a }) =>
            a.has('_Netcdf4Dimid') ||
            names.includes('DIMENSION_LIST') ||
            a.get('CLASS')?.value === 'DIMENSION_SCALE',
        );
      if (!isNetcdf4)
        throw new InvalidNetcdfError(
          `${path} is HDF5 but not netCDF-4 (no _NCProperties, dimension scales or DIMENSION_LIST)`,
        );
      const dimIds = this.readDimensions(entries);
      const scaleNames = new Set(
        entries.filter((e) => e.attrs.get('CLASS')?.value === 'DIMENSION_SCALE').map((e) => e.name),
      );
      const byPath = new Map(this.dimensions.map((d) => [`/${d.name}`, d]));
      for (const { name, ds, meta, names, attrs: a, dimRefs, allDimRefs, raw } of entries) {
        const label = a.get('NAME')?.value;
        if (typeof label === 'string' && label.startsWith(PHONY_DIM)) continue;
        const dtype = ncType(meta);
        if (!dtype) continue; // compound, enum, vlen, opaque: not part of the classic data model
        const shape = meta.shape ?? [];
        const isScale = a.get('CLASS')?.value === 'DIMENSION_SCALE';
        // netCDF-C's own record of a variable's dimension ids, else the attached dimension scales.
        const coords = a.get('_Netcdf4Coordinates')?.value;
        const ids = ArrayBuffer.isView(coords) ? Array.from(coords as Int32Array, Number) : null;
        // netCDF-C takes a variable's dimensions from these ids and fails on one it does not know.
        if (strict && ids && (ids.length !== shape.length || ids.some((id) => !dimIds.has(id))))
          throw new CorruptNetcdfError(
            path,
            `_Netcdf4Coordinates of variable '${name}'`,
            this.addresses.get(name) ?? -1,
            `dimension ids [${ids.join(', ')}] for ${shape.length} dimensions of ids [${[...dimIds.keys()].join(', ')}]`,
          );
        // netCDF-C follows every DIMENSION_LIST reference, also of variables whose dimensions it takes from
        // _Netcdf4Coordinates, and fails on one that does not lead to a dimension scale.
        const stray = strict
          ? (allDimRefs ?? []).find((r) => !scaleNames.has(byAddress.get(r) ?? ''))
          : undefined;
        if (stray !== undefined)
          throw new CorruptNetcdfError(
            path,
            `DIMENSION_LIST of variable '${name}'`,
            this.addresses.get(name) ?? -1,
            `a reference to byte ${stray}, which holds no dimension scale of the root group`,
          );
        const dims = shape.map((_, i) => {
          const fromIds = ids && ids.length === shape.length ? dimIds.get(ids[i]) : undefined;
          if (fromIds) return fromIds;
          if (isScale && shape.length === 1) return name;
          // The DIMENSION_LIST references read directly, else h5wasm (no DIMENSION_LIST: no scales).
          const ref = dimRefs?.[i];
          const refName = ref !== null && ref !== undefined ? byAddress.get(ref) : undefined;
          // netCDF-C follows every reference (H5DSiterate_scales) and fails on one that leads nowhere.
          if (
            strict &&
            dimRefs &&
            (dimRefs.length !== shape.length || (ref != null && !scaleNames.has(refName ?? '')))
          )
            throw new CorruptNetcdfError(
              path,
              `DIMENSION_LIST of variable '${name}'`,
              this.addresses.get(name) ?? -1,
              dimRefs.length !== shape.length
                ? `${dimRefs.length} entries for ${shape.length} dimensions`
                : `dimension ${i} refers to byte ${ref}, which holds no dimension scale of the root group`,
            );
          const scales =
            refName !== undefined
              ? [`/${refName}`]
              : dimRefs === null || ds === null
                ? []
                : safe(() => ds.get_attached_scales(i), [] as string[]);
          const dim = scales.length ? byPath.get(scales[0]) : undefined;
          return dim ? dim.name : phonyDim(this.dimensions, shape[i]);
        });
        const info = { name, dtype, dims, shape };
        const direct = raw ? () => this.directAttrs(name, raw, names) : undefined;
        this.variables.push(lazyAttrs(info, ds, names, () => !this.closed, path, direct));
        this.datasets.set(name, ds);
        this.metas.set(name, meta);
      }
      // An unlimited dimension is as long as the longest variable along it (netCDF-C, NC4_inq_dim): the scale
      // dataset of a dimension without a coordinate variable is never extended.
      for (const d of this.dimensions)
        if (d.unlimited)
          for (const v of this.variables)
            v.dims.forEach((name, i) => {
              if (name === d.name) d.size = Math.max(d.size, v.shape[i]);
            });
      for (const v of this.variables) {
        const dims = v.dims.map((d) => this.dimensions.find((x) => x.name === d));
        // A variable is exactly as long as each of its fixed dimensions (netCDF data model); a mismatch is a
        // changed dataspace, and reading it would size buffers from a number the file does not back.
        const bad = strict ? dims.findIndex((d, i) => d && !d.unlimited && d.size !== v.shape[i]) : -1;
        if (bad >= 0)
          throw new CorruptNetcdfError(
            path,
            `dataspace of variable '${v.name}'`,
            this.addresses.get(v.name) ?? -1,
            `length ${v.shape[bad]} along dimension '${v.dims[bad]}', which has length ${dims[bad]!.size}`,
          );
        v.shape = v.dims.map((_, i) => dims[i]?.size ?? v.shape[i]);
      }
    } catch (err) {
      // The direct reader's descriptor (h5wasm's file is closed by openWithH5wasm).
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      throw err;
    }
  }

  /** Dimension scales ordered by `_Netcdf4Dimid`; returns dimid → name. */
  /** Global attributes, read on first use. */
  get attrs(): Attributes {
    return this.globals().attrs;
  }
  get attrTypes(): Record<string, NcType> {
    return this.globals().types;
  }
  private globals(): { attrs: Attributes; types: Record<string, NcType> } {
    if (this.closed) throw new InvalidNetcdfError(`${this.path}: dataset is closed`);
    if (this.file) return (this.global ??= convertAttrs(readAttrs(this.file)));
    if (!this.global) {
      const out = new Map<string, RawAttr>();
      for (const { name, raw } of this.need(this.raw().rootAttributes())) {
        if (INTERNAL_ATTRS.has(name)) continue;
        out.set(name, this.decodeAttr(name, raw));
      }
      this.global = convertAttrs(out);
    }
    return this.global;
  }

  /** A direct-reader result, or the UnsupportedNetcdfError naming what it declined. */
  private need<T>(value: T | null): T {
    if (value === null)
      throw new UnsupportedNetcdfError(this.path, this.raw().declined || 'an HDF5 structure');
    return value;
  }

  private decodeAttr(name: string, raw: Uint8Array): RawAttr {
    const value = this.raw().attributeValue(raw);
    if (value === undefined)
      throw new UnsupportedNetcdfError(this.path, `attribute '${name}' of a type outside netCDF's`);
    return { value, type: typeOfValue(value) };
  }

  private readDimensions(entries: Entry[]): Map<number, string> {
    const scales = entries
      .filter(({ attrs }) => attrs.get('CLASS')?.value === 'DIMENSION_SCALE')
      .map(({ name, meta: m, attrs }) => {
        const id = Number(attrs.get('_Netcdf4Dimid')?.value ?? NaN);
        const max = m.maxshape?.[0];
        return {
          name,
          size: (m.shape ?? [0])[0],
          unlimited: max === null || max === undefined ? m.maxshape === null : max >= UNLIMITED,
          id: Number.isFinite(id) ? id : Number.MAX_SAFE_INTEGER,
        };
      });
    scales.sort((a, b) => a.id - b.id);
    for (const s of scales) this.dimensions.push({ name: s.name, size: s.size, unlimited: s.unlimited });
    return new Map(scales.filter((s) => s.id !== Number.MAX_SAFE_INTEGER).map((s) => [s.id, s.name]));
  }

  read(v: VariableInfo, start: number[], count: number[]): NumericArray | string[] {
    if (this.closed) throw new InvalidNetcdfError(`${this.path}: dataset is closed`);
    const ds = this.datasets.get(v.name)!;
    if (!ds) return wrapStructure(this.path, () => this.readDirect(v, start, count));
    let value: unknown;
    try {
      value =
        v.shape.length === 0
          ? ds.value
          : ds.slice(start.map((s, i) => [s, s + count[i]] as [number, number]));
    } catch (err) {
      throw new InvalidNetcdfError(
        `${this.path}: cannot read variable '${v.name}' (${(err as Error).message})`,
        { cause: err },
      );
    }
    if (v.dtype === 'char' || v.dtype === 'string') return toStrings(value, v, count);
    if (value instanceof BigInt64Array || value instanceof BigUint64Array)
      return Float64Array.from(value, Number);
    if (ArrayBuffer.isView(value)) return value as NumericArray;
    if (typeof value === 'number' || typeof value === 'bigint') return Float64Array.of(Number(value));
    if (product(count) === 0) return new Float64Array(0);
    throw new InvalidNetcdfError(`${this.path}: variable '${v.name}' returned no numeric data`);
  }

  private raw(): H5ChunkReader {
    this.fd ??= openSync(this.path, 'r');
    return (this.chunkReader ??= new H5ChunkReader(this.fd, this.path));
  }

  /**
   * An Entry from the dataset's object header, parsed directly (h5chunks.ts datasetEntry); null for an
   * object that is not a dataset (a group, a committed datatype: not part of netCDF's root variables).
   */
  private directEntry(name: string, address: number): Entry | null {
    const e = this.raw().datasetEntry(address, DIRECT_WANTED);
    if (!e) {
      if (this.raw().declined === 'not a dataset') return null;
      this.need(e);
      return null;
    }
    const attrs = new Map<string, RawAttr>();
    for (const [k, value] of e.attrs) attrs.set(k, { value, type: typeOfValue(value) });
    this.directlyParsed.push(name);
    this.addresses.set(name, address);
    return {
      name,
      ds: null,
      meta: e.meta as unknown as H5Dataset['metadata'],
      names: e.names,
      attrs,
      address,
      dimRefs: e.names.includes('DIMENSION_LIST') ? e.dimRefs : null,
      allDimRefs: e.allDimRefs,
      raw: e.raw,
    };
  }

  /** User attributes decoded from the object header. */
  private directAttrs(variable: string, raw: Map<string, Uint8Array>, names: string[]): Map<string, RawAttr> {
    const out = new Map<string, RawAttr>();
    for (const name of names) {
      if (INTERNAL_ATTRS.has(name)) continue;
      out.set(name, this.decodeAttr(name, raw.get(name)!));
    }
    this.directlyDecodedAttrs.push(variable);
    return out;
  }

  /** Variables read so far without h5wasm (see readDirect). */
  get directlyRead(): string[] {
    return [...this.directReads];
  }

  /**
   * A variable read by the direct reader (positioned reads, node:zlib, unshuffle, fletcher32; h5chunks.ts):
   * numeric variables in their stored type, fixed-length char variables as one string per row.
   */
  private readDirect(v: VariableInfo, start: number[], count: number[]): NumericArray | string[] {
    const meta = this.metas.get(v.name)!;
    if (v.dtype === 'string')
      throw new UnsupportedNetcdfError(this.path, `variable-length string variable '${v.name}'`);
    const ctor = v.dtype === 'char' ? Uint8Array : ARRAY_TYPES[v.dtype];
    if (!ctor) throw new UnsupportedNetcdfError(this.path, `variable '${v.name}' of type ${v.dtype}`);
    let plan = this.plans.get(v.name);
    if (plan === undefined) {
      plan = this.need(
        this.raw().chunkPlan(this.addresses.get(v.name)!, meta.size, meta.littleEndian, v.shape),
      );
      this.plans.set(v.name, plan);
    }
    if (!plan) throw new UnsupportedNetcdfError(this.path, `the storage of variable '${v.name}'`);
    const out = new ctor(product(count));
    this.chunkReader!.read(plan, v.shape, start, count, out as NumericArray);
    this.directReads.add(v.name);
    if (v.dtype === 'char') return charRows(out as Uint8Array, count);
    return out instanceof BigInt64Array || out instanceof BigUint64Array
      ? Float64Array.from(out, Number)
      : out;
  }

  close(): void {
    this.closed = true;
    this.file?.close();
    this.file = null;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export interface Nc4Options {
  /**
   * Read with the direct reader alone (default true); false reads everything through h5wasm, the reference
   * the tests compare against — never for untrusted files (h5wasm does not fail closed; see above).
   */
  direct?: boolean;
}

/** Attributes read at open: the structural ones and DIMENSION_LIST (dimension scales). */
const DIRECT_WANTED = new Set(['CLASS', 'NAME', '_Netcdf4Dimid', '_Netcdf4Coordinates', 'DIMENSION_LIST']);

/** Fixed-length char data (one byte per character, latin1 like h5wasm) as one string per row, cut at NUL. */
function charRows(bytes: Uint8Array, count: number[]): string[] {
  const width = count.length ? count[count.length - 1] : 1;
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += width) {
    const s = Buffer.from(bytes.subarray(i, i + width)).toString('latin1');
    const nul = s.indexOf('\0');
    rows.push(nul >= 0 ? s.slice(0, nul) : s);
  }
  return rows;
}

const ARRAY_TYPES: Partial<Record<NcType, new (n: number) => NumericArray | BigInt64Array | BigUint64Array>> =
  {
    byte: Int8Array,
    ubyte: Uint8Array,
    short: Int16Array,
    ushort: Uint16Array,
    int: Int32Array,
    uint: Uint32Array,
    int64: BigInt64Array,
    uint64: BigUint64Array,
    float: Float32Array,
    double: Float64Array,
  };

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Datasets with no dimension scale attached get netCDF-C's `phony_dim_N` names. */
function phonyDim(dims: DimensionInfo[], size: number): string {
  const found = dims.find((d) => d.name.startsWith('phony_dim_') && d.size === size);
  if (found) return found.name;
  const name = `phony_dim_${dims.filter((d) => d.name.startsWith('phony_dim_')).length}`;
  dims.push({ name, size, unlimited: false });
  return name;
}

function ncType(m: H5Dataset['metadata']): NcType | null {
  if (m.type === H5T_INTEGER) {
    const t = ({ 1: 'byte', 2: 'short', 4: 'int', 8: 'int64' } as const)[m.size as 1 | 2 | 4 | 8];
    if (!t) return null;
    return m.signed ? t : ({ byte: 'ubyte', short: 'ushort', int: 'uint', int64: 'uint64' } as const)[t];
  }
  if (m.type === H5T_FLOAT) return m.size === 4 ? 'float' : m.size === 8 ? 'double' : null;
  if (m.type === H5T_STRING) return m.vlen ? 'string' : 'char';
  return null;
}

/** An attribute value and its netCDF type, inferred from the typed array h5wasm returns. */
interface RawAttr {
  value: unknown;
  type: NcType;
}
interface Entry {
  name: string;
  /** The h5wasm dataset in reference mode; null when parsed directly. */
  ds: H5Dataset | null;
  meta: H5Dataset['metadata'];
  /** Every attribute name; `attrs` holds only the structural ones (user attributes are read on first use). */
  names: string[];
  attrs: Map<string, RawAttr>;
  /** Object header address, when the entry was parsed directly. */
  address?: number;
  /** First dimension scale address per dimension (null: no DIMENSION_LIST; undefined: ask h5wasm). */
  dimRefs?: (number | null)[] | null;
  /** Every DIMENSION_LIST reference (each dimension may have several scales attached), when parsed directly. */
  allDimRefs?: number[];
  /** Encoded attributes from the object header (h5chunks.ts attributeValue decodes them). */
  raw?: Map<string, Uint8Array>;
}

const STRUCTURAL = new Set(['CLASS', 'NAME', '_Netcdf4Dimid', '_Netcdf4Coordinates']);

/**
 * Define `attrs` and `attrTypes` on a VariableInfo as getters that read the user attributes on first access:
 * each attribute read is a call into the wasm HDF5 library, and most opens touch one or two variables.
 */
function lazyAttrs(
  info: Omit<VariableInfo, 'attrs'>,
  ds: H5Dataset | null,
  names: string[],
  isOpen: () => boolean,
  path: string,
  direct?: () => Map<string, RawAttr>,
): VariableInfo {
  let cache: { attrs: Attributes; types: Record<string, NcType> } | undefined;
  const load = () => {
    if (!cache && !isOpen())
      throw new InvalidNetcdfError(
        `${path}: dataset is closed; read attributes of '${info.name}' before closing`,
      );
    return (cache ??= convertAttrs(
      direct?.() ??
        readAttrs(
          ds!,
          names.filter((n) => !INTERNAL_ATTRS.has(n)),
        ),
    ));
  };
  Object.defineProperty(info, 'attrs', { get: () => load().attrs, enumerable: true });
  Object.defineProperty(info, 'attrTypes', { get: () => load().types, enumerable: true });
  return info as VariableInfo;
}

/**
 * Read every attribute with one metadata query each: `Object.keys(attrs)` lists names without opening them,
 * `get_attribute` reads a value (h5wasm's Attribute objects would query the metadata twice).
 */
function readAttrs(obj: H5Dataset | H5File, names: string[] = Object.keys(obj.attrs)): Map<string, RawAttr> {
  const out = new Map<string, RawAttr>();
  for (const name of names) {
    try {
      const value = obj.get_attribute(name, false);
      out.set(name, { value, type: typeOfValue(value) });
    } catch {
      // attribute types outside the netCDF data model
    }
  }
  return out;
}

function typeOfValue(v: unknown): NcType {
  if (typeof v === 'string' || Array.isArray(v)) return 'char';
  if (v instanceof Int8Array) return 'byte';
  if (v instanceof Uint8Array) return 'ubyte';
  if (v instanceof Int16Array) return 'short';
  if (v instanceof Uint16Array) return 'ushort';
  if (v instanceof Int32Array) return 'int';
  if (v instanceof Uint32Array) return 'uint';
  if (v instanceof BigInt64Array) return 'int64';
  if (v instanceof BigUint64Array) return 'uint64';
  if (v instanceof Float32Array) return 'float';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31) return 'int';
  return 'double';
}

function entry(name: string, ds: H5Dataset): Entry {
  const names = Object.keys(ds.attrs);
  return {
    name,
    ds,
    meta: ds.metadata,
    names,
    attrs: readAttrs(
      ds,
      names.filter((n) => STRUCTURAL.has(n)),
    ),
  };
}

function convertAttrs(list: Map<string, RawAttr>): { attrs: Attributes; types: Record<string, NcType> } {
  const attrs: Attributes = {};
  const types: Record<string, NcType> = {};
  for (const [name, m] of list) {
    if (INTERNAL_ATTRS.has(name)) continue;
    const converted = attrValue(m.value);
    if (converted === null) continue;
    attrs[name] = converted;
    types[name] = m.type;
  }
  return { attrs, types };
}

function attrValue(value: unknown): AttrValue | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value)) return attrNumbers(value as unknown as ArrayLike<number | bigint>);
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return value.join('\n');
  if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return attrNumbers(value);
  return null;
}

/** Fixed-length char arrays come back one character per element: join each row of the last dimension. */
function toStrings(value: unknown, v: VariableInfo, count: number[]): string[] {
  const flat: string[] = Array.isArray(value)
    ? (value as unknown[]).flat(Infinity).map((x) => String(x))
    : [typeof value === 'string' ? value : ''];
  if (v.dtype === 'string') return flat;
  const width = count.length ? count[count.length - 1] : 1;
  const rows: string[] = [];
  for (let i = 0; i < flat.length; i += width)
    rows.push(
      flat
        .slice(i, i + width)
        .join('')
        .replace(/\0.*$/s, ''),
    );
  return rows;
}

export async function openNc4(path: string, options: Nc4Options = {}): Promise<Nc4Store> {
  if (options.direct === false) return openWithH5wasm(path, options);
  const store = wrapStructure(path, () => new Nc4Store(path, null, options));
  return Promise.resolve(store);
}

/** Engine errors (a RangeError from a typed array, say) are not messages for users: typed, engine text in `cause`. */
function wrapStructure<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidNetcdfError) throw err;
    throw new InvalidNetcdfError(`${path}: cannot read the netCDF-4 structure of this file`, { cause: err });
  }
}

async function openWithH5wasm(path: string, options: Nc4Options): Promise<Nc4Store> {
  const m = await loadH5wasm();
  let file: H5File;
  try {
    file = new m.File(path, 'r');
  } catch (err) {
    throw new InvalidNetcdfError(`${path}: not a readable HDF5/netCDF-4 file (${(err as Error).message})`, {
      cause: err,
    });
  }
  try {
    return new Nc4Store(path, file, options);
  } catch (err) {
    file.close();
    if (err instanceof InvalidNetcdfError) throw err;
    throw new InvalidNetcdfError(`${path}: cannot read netCDF-4 structure (${(err as Error).message})`, {
      cause: err,
    });
  }
}
