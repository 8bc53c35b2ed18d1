/**
 * netCDF-3 64-bit-offset writer (Unidata "NetCDF Classic Format Specification", version 2): big-endian header
 * (magic, numrecs, dim_list, gatt_list, var_list with 8-byte `begin`), names and values padded to 4 bytes,
 * non-record data in variable order, then the records with the record variables interleaved.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { attrType, charBytes, shapeOf } from './spec.js';
import { product } from './store.js';
import type { AttrValue, Attributes, FileSpec, NcType, VariableSpec } from './types.js';

const NC_DIMENSION = 10;
const NC_VARIABLE = 11;
const NC_ATTRIBUTE = 12;
const TYPE_CODE: Record<string, number> = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6 };
const TYPE_SIZE: Record<string, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };
/** netCDF-3 has no unsigned or 64-bit attribute types: store them in the next type that holds every value. */
const NC3_ATTR_TYPE: Partial<Record<NcType, NcType>> = {
  ubyte: 'short',
  ushort: 'int',
  uint: 'double',
  int64: 'double',
  uint64: 'double',
  string: 'char',
};

export const NC3_TYPES: ReadonlySet<NcType> = new Set(['byte', 'char', 'short', 'int', 'float', 'double']);

class HeaderWriter {
  private chunks: Buffer[] = [];
  int(x: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(x >>> 0);
    this.chunks.push(b);
  }
  int64(x: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(x));
    this.chunks.push(b);
  }
  bytes(b: Uint8Array): void {
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    const pad = (4 - (b.byteLength % 4)) % 4;
    if (pad) this.chunks.push(Buffer.alloc(pad));
  }
  name(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.int(b.length);
    this.bytes(b);
  }
  attrs(attrs: Attributes | undefined, declared: Record<string, NcType> | undefined, varType?: NcType): void {
    const entries = Object.entries(attrs ?? {});
    if (!entries.length) {
      this.int(0);
      this.int(0);
      return;
    }
    this.int(NC_ATTRIBUTE);
    this.int(entries.length);
    for (const [name, value] of entries) {
      let t = attrType(name, value, declared, varType);
      t = NC3_ATTR_TYPE[t] ?? t;
      this.name(name);
      this.int(TYPE_CODE[t]);
      const data = encodeAttr(value, t);
      this.int(t === 'char' ? data.byteLength : data.byteLength / TYPE_SIZE[t]);
      this.bytes(data);
    }
  }
  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function encodeAttr(value: AttrValue, t: NcType): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return encodeValues(Array.isArray(value) ? value : [value], t);
}

/** Values → big-endian bytes of type `t` (netCDF-3 external representation). */
export function encodeValues(data: ArrayLike<number>, t: NcType): Uint8Array {
  const n = data.length;
  let arr: Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
  if (t === 'byte') arr = Int8Array.from(data);
  else if (t === 'short') arr = Int16Array.from(data);
  else if (t === 'int') arr = Int32Array.from(data);
  else if (t === 'float') arr = data instanceof Float32Array ? data.slice() : Float32Array.from(data);
  else arr = data instanceof Float64Array ? data.slice() : Float64Array.from(data);
  const b = Buffer.from(arr.buffer, arr.byteOffset, n * arr.BYTES_PER_ELEMENT);
  if (arr.BYTES_PER_ELEMENT === 2) b.swap16();
  else if (arr.BYTES_PER_ELEMENT === 4) b.swap32();
  else if (arr.BYTES_PER_ELEMENT === 8) b.swap64();
  return b;
}

interface Planned {
  v: VariableSpec;
  shape: number[];
  record: boolean;
  /** Bytes per record (record vars) or of the whole variable, before padding. */
  bytes: number;
  vsize: number;
  begin: number;
}

function header(spec: FileSpec, plan: Planned[], numrecs: number): Buffer {
  const h = new HeaderWriter();
  h.bytes(Buffer.from([0x43, 0x44, 0x46, 0x02])); // "CDF" version 2 = 64-bit offset
  h.int(numrecs);
  if (spec.dimensions.length) {
    h.int(NC_DIMENSION);
    h.int(spec.dimensions.length);
    for (const d of spec.dimensions) {
      h.name(d.name);
      h.int(d.unlimited ? 0 : d.size);
    }
  } else {
    h.int(0);
    h.int(0);
  }
  h.attrs(spec.attrs, spec.attrTypes);
  if (plan.length) {
    h.int(NC_VARIABLE);
    h.int(plan.length);
    for (const p of plan) {
      h.name(p.v.name);
      h.int(p.v.dims.length);
      for (const d of p.v.dims) h.int(spec.dimensions.findIndex((x) => x.name === d));
      h.attrs(p.v.attrs, p.v.attrTypes, p.v.dtype);
      h.int(TYPE_CODE[p.v.dtype]);
      h.int(Math.min(p.vsize, 0xffffffff));
      h.int64(p.begin);
    }
  } else {
    h.int(0);
    h.int(0);
  }
  return h.result();
}

/** Write a validated spec as netCDF-3 64-bit offset to `path` (the caller renames it into place). */
export function writeNc3(path: string, spec: FileSpec): void {
  const recDim = spec.dimensions.find((d) => d.unlimited)?.name;
  const numrecs = spec.dimensions.find((d) => d.unlimited)?.size ?? 0;
  const plan: Planned[] = spec.variables.map((v) => {
    const shape = shapeOf(spec, v);
    const record = recDim !== undefined && v.dims[0] === recDim;
    const bytes = product(record ? shape.slice(1) : shape) * TYPE_SIZE[v.dtype];
    return { v, shape, record, bytes, vsize: Math.ceil(bytes / 4) * 4, begin: 0 };
  });
  // Records hold every record variable, each padded to 4 bytes, except that a single record variable is not
  // padded between records (classic format spec, "Note on padding").
  const recVars = plan.filter((p) => p.record);
  let offset = header(spec, plan, numrecs).length;
  for (const p of plan.filter((x) => !x.record)) {
    p.begin = offset;
    offset += p.vsize;
  }
  for (const p of recVars) {
    p.begin = offset;
    offset += recVars.length === 1 ? p.bytes : p.vsize;
  }
  const encoded = new Map(
    plan.map((p) => [
      p.v.name,
      p.v.dtype === 'char' ? charBytes(p.v, p.shape) : encodeValues(p.v.data as ArrayLike<number>, p.v.dtype),
    ]),
  );
  const fd = openSync(path, 'w');
  try {
    let pos = 0;
    const put = (b: Uint8Array) => {
      writeSync(fd, b, 0, b.byteLength, pos);
      pos += b.byteLength;
    };
    put(header(spec, plan, numrecs));
    for (const p of plan.filter((x) => !x.record)) {
      put(encoded.get(p.v.name)!);
      if (p.vsize > p.bytes) put(new Uint8Array(p.vsize - p.bytes));
    }
    for (let r = 0; r < numrecs; r++) {
      for (const p of recVars) {
        put(encoded.get(p.v.name)!.subarray(r * p.bytes, (r + 1) * p.bytes));
        if (recVars.length > 1 && p.vsize > p.bytes) put(new Uint8Array(p.vsize - p.bytes));
      }
    }
  } finally {
    closeSync(fd);
  }
}
