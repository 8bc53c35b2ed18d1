/**
 * netCDF-3 (classic `CDF\x01` and 64-bit offset `CDF\x02`): the header is parsed by netcdfjs; data are read by
 * positioned reads of only the bytes a hyperslab needs (one read per record for record variables) and
 * byte-swapped natively into typed arrays. netcdfjs's own data path (`getDataVariable`) decodes the whole
 * variable value by value into JS arrays, which is both slower and needs the whole file in memory.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { NetCDFReader } from 'netcdfjs';
import { InvalidNetcdfError } from '../contracts/errors.js';
import { readFully } from './positioned.js';
import { copyHyperslab, hyperslabSpan } from './slice.js';
import { attrNumbers, product, type NumericArray, type RawStore } from './store.js';
import type { Attributes, DimensionInfo, NcType, NetcdfFormat, VariableInfo } from './types.js';

const TYPE_SIZE: Record<string, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };

interface Nc3Attr {
  name: string;
  type: string;
  value: number | string | number[];
}
interface Nc3Var {
  name: string;
  dimensions: number[];
  attributes: Nc3Attr[];
  type: string;
  offset: number;
  record: boolean;
}
interface Layout {
  info: VariableInfo;
  type: string;
  offset: number;
  record: boolean;
}

export class Nc3Store implements RawStore {
  readonly format: NetcdfFormat;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attrs: Attributes;
  readonly attrTypes: Record<string, NcType>;
  private readonly layout = new Map<string, Layout>();
  private readonly recsize: number;
  private fd: number | null;

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    const size = fstatSync(fd).size;
    const reader = parseHeader(path, fd, size);
    this.format = reader.header.version === 1 ? 'nc3-classic' : 'nc3-64bit-offset';
    const numrecs = reader.header.recordDimension.length;
    const recId = reader.header.recordDimension.id;
    this.dimensions = reader.header.dimensions.map((d, i) => ({
      name: d.name,
      size: i === recId ? numrecs : d.size,
      unlimited: i === recId,
    }));
    ({ attrs: this.attrs, types: this.attrTypes } = convertAttrs(reader.header.globalAttributes));
    const vars = reader.header.variables as unknown as Nc3Var[];
    this.variables = vars.map((v) => {
      const { attrs, types } = convertAttrs(v.attributes);
      const info: VariableInfo = {
        name: v.name,
        dtype: v.type as NcType,
        dims: v.dimensions.map((d) => this.dimensions[d].name),
        shape: v.dimensions.map((d) => this.dimensions[d].size),
        attrs,
        attrTypes: types,
      };
      this.layout.set(v.name, { info, type: v.type, offset: v.offset, record: v.record });
      return info;
    });
    // Record size: the sum of the record variables' padded sizes, except that a single record variable is
    // not padded (netCDF classic format spec, "Note on padding").
    const recVars = [...this.layout.values()].filter((l) => l.record);
    this.recsize =
      recVars.length === 1
        ? recordBytes(recVars[0])
        : recVars.reduce((s, l) => s + Math.ceil(recordBytes(l) / 4) * 4, 0);
    this.checkSize(size, numrecs);
  }

  /** A truncated file is reported before any data is read (netcdfjs would read past the end or garbage). */
  private checkSize(size: number, numrecs: number): void {
    for (const l of this.layout.values()) {
      const end = l.record
        ? numrecs === 0
          ? 0
          : l.offset + (numrecs - 1) * this.recsize + recordBytes(l)
        : l.offset + product(l.info.shape) * TYPE_SIZE[l.type];
      if (end > size)
        throw new InvalidNetcdfError(
          `${this.path}: truncated netCDF-3 file: variable '${l.info.name}' needs ${end} bytes, the file has ${size}`,
        );
    }
  }

  read(v: VariableInfo, start: number[], count: number[]): NumericArray | string[] {
    const l = this.layout.get(v.name)!;
    const elem = TYPE_SIZE[l.type];
    const shape = v.shape;
    const n = product(count);
    if (l.type === 'char') return this.readChars(l, start, count);
    const out = allocate(l.type, n);
    if (n === 0) return out;
    // Records are the outer dimension of record variables; a non-record variable is one "record".
    const recDims = l.record ? shape.slice(1) : shape;
    const recStart = l.record ? start.slice(1) : start;
    const recCount = l.record ? count.slice(1) : count;
    const [r0, nr] = l.record ? [start[0], count[0]] : [0, 1];
    // The bytes of one record spanned by the inner hyperslab: from its first to its last element.
    const { first, span } = hyperslabSpan(recDims, recStart, recCount);
    const recordPos = (r: number) => l.offset + (l.record ? (r0 + r) * this.recsize : 0) + first * elem;
    if (product(recCount) === span) {
      // Contiguous per record: read straight into the output, then swap it once.
      const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      for (let r = 0; r < nr; r++)
        this.readAt(outBytes.subarray(r * span * elem, (r + 1) * span * elem), recordPos(r));
      swapToHost(outBytes, elem);
      return out;
    }
    const block = allocate(l.type, span);
    const bytes = new Uint8Array(block.buffer, block.byteOffset, span * elem);
    for (let r = 0; r < nr; r++) {
      this.readAt(bytes, recordPos(r));
      swapToHost(bytes, elem);
      copyHyperslab(block, recDims, recStart, recCount, out, r * product(recCount), first);
    }
    return out;
  }

  private readChars(l: Layout, start: number[], count: number[]): string[] {
    const shape = l.info.shape;
    const width = shape.length ? shape[shape.length - 1] : 1;
    const full = Buffer.alloc(l.record ? 0 : product(shape));
    const rows: string[] = [];
    const decode = (buf: Buffer) => {
      for (let o = 0; o < buf.length; o += width) {
        const s = buf.subarray(o, o + width).toString('latin1');
        const nul = s.indexOf('\0');
        rows.push(nul >= 0 ? s.slice(0, nul) : s);
      }
    };
    if (!l.record) {
      this.readAt(full, l.offset);
      decode(full);
    } else {
      const per = product(shape.slice(1));
      for (let r = 0; r < shape[0]; r++) {
        const buf = Buffer.alloc(per);
        this.readAt(buf, l.offset + r * this.recsize);
        decode(buf);
      }
    }
    // Select the requested rows (all dims but the last; character ranges are not sliced).
    const rowShape = shape.slice(0, -1);
    if (rowShape.length === 0) return rows;
    const picked = new Float64Array(product(count.slice(0, -1)));
    const index = Float64Array.from(rows, (_, i) => i);
    copyHyperslab(index, rowShape, start.slice(0, -1), count.slice(0, -1), picked);
    return Array.from(picked, (i) => rows[i]);
  }

  private readAt(buf: Uint8Array, pos: number): void {
    if (this.fd === null) throw new InvalidNetcdfError(`${this.path}: dataset is closed`);
    readFully(this.fd, buf, pos, this.path);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function openNc3(path: string): Nc3Store {
  const fd = openSync(path, 'r');
  try {
    return new Nc3Store(path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** netcdfjs parses from memory: give it a growing prefix of the file until the header fits. */
function parseHeader(path: string, fd: number, size: number): NetCDFReader {
  let len = Math.min(size, 1 << 16);
  for (;;) {
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, 0);
    try {
      return new NetCDFReader(buf);
    } catch (err) {
      if (len >= size)
        throw new InvalidNetcdfError(`${path}: not a readable netCDF-3 file (${(err as Error).message})`, {
          cause: err,
        });
      len = Math.min(size, len * 4);
    }
  }
}

function convertAttrs(list: Nc3Attr[]): { attrs: Attributes; types: Record<string, NcType> } {
  const attrs: Attributes = {};
  const types: Record<string, NcType> = {};
  for (const a of list ?? []) {
    types[a.name] = a.type as NcType;
    attrs[a.name] =
      typeof a.value === 'string' ? a.value : attrNumbers(Array.isArray(a.value) ? a.value : [a.value]);
  }
  return { attrs, types };
}

function recordBytes(l: Layout): number {
  return product(l.record ? l.info.shape.slice(1) : l.info.shape) * TYPE_SIZE[l.type];
}

function allocate(type: string, n: number): NumericArray {
  switch (type) {
    case 'byte':
      return new Int8Array(n);
    case 'short':
      return new Int16Array(n);
    case 'int':
      return new Int32Array(n);
    case 'float':
      return new Float32Array(n);
    default:
      return new Float64Array(n);
  }
}

/** netCDF-3 is big-endian (classic format spec); swap in place to the host's little-endian order. */
function swapToHost(bytes: Uint8Array, elem: number): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (elem === 2) b.swap16();
  else if (elem === 4) b.swap32();
  else if (elem === 8) b.swap64();
}
