/**
 * netCDF-3 (classic `CDF\x01` and 64-bit offset `CDF\x02`): the header is parsed once with bounds checks
 * (nc3Header.ts: every variable's data after the header, in order, inside the file); data are read by
 * positioned reads of only the bytes a hyperslab needs (one read per record for record variables) and
 * byte-swapped natively into typed arrays.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { InvalidNetcdfError } from '../contracts/errors.js';
import { parseNc3Header, type Nc3Attribute } from './nc3Header.js';
import { readFully } from './positioned.js';
import { copyHyperslab, hyperslabSpan } from './slice.js';
import { attrNumbers, product, type NumericArray, type RawStore } from './store.js';
import type { Attributes, DimensionInfo, NcType, NetcdfFormat, VariableInfo } from './types.js';

const TYPE_SIZE: Record<string, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };

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
    const h = parseNc3Header(fd, path, fstatSync(fd).size);
    this.format = h.version === 1 ? 'nc3-classic' : 'nc3-64bit-offset';
    this.dimensions = h.dimensions.map((d, i) => ({
      name: d.name,
      size: i === h.recordDimension ? h.numrecs : d.size,
      unlimited: i === h.recordDimension,
    }));
    ({ attrs: this.attrs, types: this.attrTypes } = convertAttrs(h.attributes));
    this.variables = h.variables.map((v) => {
      const { attrs, types } = convertAttrs(v.attributes);
      const info: VariableInfo = {
        name: v.name,
        dtype: v.type,
        dims: v.dimensions.map((d) => this.dimensions[d].name),
        shape: v.dimensions.map((d) => this.dimensions[d].size),
        attrs,
        attrTypes: types,
      };
      this.layout.set(v.name, { info, type: v.type, offset: v.begin, record: v.record });
      return info;
    });
    this.recsize = h.recsize;
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

function convertAttrs(list: Nc3Attribute[]): { attrs: Attributes; types: Record<string, NcType> } {
  const attrs: Attributes = {};
  const types: Record<string, NcType> = {};
  for (const a of list) {
    types[a.name] = a.type;
    attrs[a.name] = typeof a.value === 'string' ? a.value : attrNumbers(a.value);
  }
  return { attrs, types };
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
