/**
 * Direct reads of chunked HDF5 datasets: the chunk index (version-1 B-tree, data layout message version 3, or
 * a single-chunk version-4 layout) is parsed from the dataset's object header, each chunk needed by a
 * hyperslab is read with a positioned read and decoded with node:zlib (deflate) and the HDF5 shuffle filter,
 * then copied into the output. HDF5 File Format Specification 3.0 (III.A superblock, IV.A object headers,
 * IV.A.2.i data layout, IV.A.2.l filter pipeline, III.A.1 version-1 B-trees). Anything outside that subset
 * (other filters, unallocated chunks, other chunk indexes, big-endian hosts) makes `chunkPlan` return null
 * and the caller reads through h5wasm instead.
 */
import { fstatSync } from 'node:fs';
import { endianness } from 'node:os';
import { inflateSync } from 'node:zlib';
import { InvalidNetcdfError } from '../contracts/errors.js';
import { readFully } from './positioned.js';
import { copyHyperslab, hyperslabSpan, rowStrides } from './slice.js';
import { product, type NumericArray } from './store.js';

const FILTER_DEFLATE = 1;
const FILTER_SHUFFLE = 2;
const MSG_CONTINUATION = 0x10;
const MSG_LAYOUT = 0x08;
const MSG_FILTERS = 0x0b;
const MSG_DATASPACE = 0x01;
const MSG_LINK_INFO = 0x02;
const MSG_LINK = 0x06;
const MSG_DATATYPE = 0x03;
const MSG_ATTRIBUTE = 0x0c;
const MSG_ATTR_INFO = 0x15;
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_VLEN = 9;

type AnyArrayCtor = new (buffer: ArrayBuffer) => NumericArray | BigInt64Array | BigUint64Array;
/** Integer attribute arrays as h5wasm returns them (getAccessor), by size: [unsigned, signed]. */
const INT_ARRAYS: Partial<Record<number, [AnyArrayCtor, AnyArrayCtor]>> = {
  1: [Uint8Array, Int8Array],
  2: [Uint16Array, Int16Array],
  4: [Uint32Array, Int32Array],
  8: [BigUint64Array, BigInt64Array],
};
const FLOAT_ARRAYS: Partial<Record<number, AnyArrayCtor>> = { 4: Float32Array, 8: Float64Array };

/** A link of the root group; `address` for hard links (soft and external links have none). */
export interface Link {
  name: string;
  order?: number;
  address?: number;
}
interface FractalHeap {
  idLength: number;
  width: number;
  startBlock: number;
  maxDirect: number;
  rootBlock: number;
  rows: number;
  offBytes: number;
  lenBytes: number;
}

/** The fields of h5wasm's dataset metadata that Nc4Store uses. */
export interface DirectMetadata {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  littleEndian: boolean;
  cset: number;
  shape: number[];
  maxshape: number[];
  chunks: number[] | null;
}
export interface DatasetEntry {
  meta: DirectMetadata;
  names: string[];
  attrs: Map<string, unknown>;
  /** Every attribute's encoded type, space and data, for `attributeValue`. */
  raw: Map<string, Uint8Array>;
  dimRefs: (number | null)[] | null;
}

interface Filter {
  id: number;
  optional: boolean;
}
interface ChunkEntry {
  address: number;
  size: number;
  /** Bit i set: filter i was not applied to this chunk. */
  mask: number;
}
export interface ChunkPlan {
  /** Chunk extent per dataset dimension. */
  chunk: number[];
  elem: number;
  littleEndian: boolean;
  filters: Filter[];
  /** Chunks by their element offsets joined with ','. */
  chunks: Map<string, ChunkEntry>;
  /** Contiguous layout: the data's address and stored size in bytes (no chunks, no filters). */
  contiguous?: { address: number; size: number };
}

/** A typed-array constructor for the output type; the chunk bytes are viewed through it. */
type ArrayCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray;

/** Thrown when a chunk needed by a read is not stored (its fill value would be needed): read via h5wasm. */
export class ChunkFallback extends Error {}

/** An object header message; `order` is its creation order when the header tracks it (version 2). */
interface Message {
  type: number;
  data: Uint8Array;
  order: number;
  /** The header indexes attribute creation order (h5wasm then lists attributes in that order). */
  indexed: boolean;
}

export class H5ChunkReader {
  private readonly headers = new Map<number, Message[] | null>();
  private offsetSize = 0;
  private rootAddress = 0;
  private lengthSize = 0;
  private base = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /** The chunk layout of the dataset whose object header is at `address`, or null if not handled here. */
  chunkPlan(address: number, elem: number, littleEndian: boolean, rank: number): ChunkPlan | null {
    if (endianness() !== 'LE' || rank === 0) return null;
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + address);
    if (!messages) return null;
    const layout = messages.find((m) => m.type === MSG_LAYOUT);
    if (!layout) return null;
    const fm = messages.find((m) => m.type === MSG_FILTERS);
    const filters = fm ? this.filters(fm.data) : [];
    if (!filters || filters.some((f) => f.id !== FILTER_DEFLATE && f.id !== FILTER_SHUFFLE)) return null;
    if (layout.data[1] === 1 && (layout.data[0] === 3 || layout.data[0] === 4) && filters.length === 0) {
      const O = this.offsetSize;
      if (this.isUndefined(layout.data, 2, O)) return null; // never written: fill values
      const address = this.base + this.uint(layout.data, 2, O);
      const size = this.uint(layout.data, 2 + O, this.lengthSize);
      return { chunk: [], elem, littleEndian, filters, chunks: new Map(), contiguous: { address, size } };
    }
    const parsed = this.layout(layout.data, rank, elem, filters.length > 0);
    if (!parsed) return null;
    return { chunk: parsed.chunk, elem, littleEndian, filters, chunks: parsed.chunks };
  }

  /**
   * What Nc4Store needs of a dataset at open, from its object header alone (IV.A.2.b dataspace, IV.A.2.d
   * datatype, IV.A.2.m attribute messages): h5wasm-compatible metadata, attribute names in h5wasm's order, the
   * values of the `want`ed attributes (fixed-length strings and integers) and the first dimension scale
   * address of each dimension (DIMENSION_LIST). Null when anything is outside that subset (shared or
   * committed messages, dense attribute storage, other attribute types): the caller asks h5wasm.
   */
  datasetEntry(address: number, want: Set<string>): DatasetEntry | null {
    if (endianness() !== 'LE') return null;
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + address);
    if (!messages) return null;
    const space = messages.find((m) => m.type === MSG_DATASPACE);
    const dtype = messages.find((m) => m.type === MSG_DATATYPE);
    const layout = messages.find((m) => m.type === MSG_LAYOUT);
    if (!space || !dtype || !layout) return null;
    const extent = this.dataspace(space.data);
    const type = datatype(dtype.data);
    if (!extent || !type) return null;
    const info = messages.find((m) => m.type === MSG_ATTR_INFO);
    if (info && this.denseAttributes(info.data)) return null;
    const list: { name: string; raw: Uint8Array; m: Message }[] = [];
    for (const m of messages) {
      if (m.type !== MSG_ATTRIBUTE) continue;
      const a = this.attribute(m.data);
      if (!a) return null;
      list.push({ ...a, m });
    }
    // h5wasm (get_attribute_names) iterates by creation order when it is indexed, else by name (strcmp).
    if (messages.some((m) => m.indexed)) list.sort((a, b) => a.m.order - b.m.order);
    else list.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    const attrs = new Map<string, unknown>();
    const raw = new Map<string, Uint8Array>();
    let dimRefs: (number | null)[] | null = null;
    for (const a of list) {
      raw.set(a.name, a.raw);
      if (a.name === 'DIMENSION_LIST' && want.has(a.name)) {
        dimRefs = this.dimensionList(a.raw);
        if (!dimRefs) return null;
      } else if (want.has(a.name)) {
        const value = this.attributeValue(a.raw);
        if (value === undefined) return null;
        attrs.set(a.name, value);
      }
    }
    const layoutClass = layout.data[1];
    const chunks =
      layoutClass === 2
        ? this.layoutChunkDims(layout.data, extent.shape.length)
        : layoutClass <= 1
          ? null
          : undefined;
    if (chunks === undefined) return null;
    return {
      meta: { ...type, ...extent, chunks },
      names: list.map((a) => a.name),
      attrs,
      raw,
      dimRefs,
    };
  }

  private dataspace(d: Uint8Array): { shape: number[]; maxshape: number[] } | null {
    const L = this.lengthSize;
    const version = d[0];
    const rank = d[1];
    const flags = d[2];
    if (version === 2 && d[3] === 2) return null; // null dataspace
    if (version !== 1 && version !== 2) return null;
    const at = version === 1 ? 8 : 4;
    const shape = Array.from({ length: rank }, (_, i) => this.uint(d, at + L * i, L));
    const maxshape =
      flags & 1
        ? Array.from({ length: rank }, (_, i) =>
            this.isUndefined(d, at + L * (rank + i), L) ? 2 ** 64 : this.uint(d, at + L * (rank + i), L),
          )
        : shape.slice();
    return { shape, maxshape };
  }

  private layoutChunkDims(d: Uint8Array, rank: number): number[] | undefined {
    const version = d[0];
    if (version === 3 && d[2] === rank + 1)
      return Array.from({ length: rank }, (_, i) => this.uint(d, 3 + this.offsetSize + 4 * i, 4));
    if (version === 4 && d[3] === rank + 1)
      return Array.from({ length: rank }, (_, i) => this.uint(d, 5 + d[4] * i, d[4]));
    return undefined;
  }

  private denseAttributes(d: Uint8Array): boolean {
    const at = 2 + (d[1] & 1 ? 2 : 0);
    return !this.isUndefined(d, at, this.offsetSize);
  }

  /** An attribute message's name and the bytes from its datatype on (type, space, data); null if shared. */
  private attribute(d: Uint8Array): { name: string; raw: Uint8Array } | null {
    const version = d[0];
    const flags = d[1];
    if (version < 1 || version > 3 || (version > 1 && flags & 3)) return null;
    const nameSize = d[2] | (d[3] << 8);
    const typeSize = d[4] | (d[5] << 8);
    const spaceSize = d[6] | (d[7] << 8);
    const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    let at = version === 3 ? 9 : 8;
    const name = Buffer.from(d.buffer, d.byteOffset + at, nameSize)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    at += pad(nameSize);
    const typeAt = at;
    const spaceAt = typeAt + pad(typeSize);
    const dataAt = spaceAt + pad(spaceSize);
    // Re-packed as: type size (2), space size (2), type, space, data.
    const raw = new Uint8Array(4 + typeSize + spaceSize + (d.length - dataAt));
    raw[0] = typeSize & 0xff;
    raw[1] = typeSize >> 8;
    raw[2] = spaceSize & 0xff;
    raw[3] = spaceSize >> 8;
    raw.set(d.subarray(typeAt, typeAt + typeSize), 4);
    raw.set(d.subarray(spaceAt, spaceAt + spaceSize), 4 + typeSize);
    raw.set(d.subarray(dataAt), 4 + typeSize + spaceSize);
    return { name, raw };
  }

  /**
   * An attribute's value exactly as h5wasm's get_attribute returns it (hdf5_hl.js process_data) for the types
   * netCDF writes: fixed-length strings (TextDecoder, cut at the first NUL), variable-length strings (global
   * heap, cut at the first NUL), little-endian integers and floats as typed arrays; a scalar dataspace gives
   * the single element. Undefined for anything else (the caller asks h5wasm).
   */
  attributeValue(raw: Uint8Array): unknown {
    const typeSize = raw[0] | (raw[1] << 8);
    const spaceSize = raw[2] | (raw[3] << 8);
    const t = datatype(raw.subarray(4, 4 + typeSize));
    const space = this.dataspace(raw.subarray(4 + typeSize, 4 + typeSize + spaceSize));
    if (!t || !space || !t.littleEndian) return undefined;
    const n = product(space.shape);
    const data = raw.subarray(4 + typeSize + spaceSize);
    const scalar = space.shape.length === 0;
    let out: unknown[] | NumericArray | BigInt64Array | BigUint64Array;
    if (t.type === H5T_STRING && t.vlen) {
      const O = this.offsetSize;
      const item = 4 + O + 4;
      if (data.length < n * item) return undefined;
      out = [];
      for (let i = 0; i < n; i++) {
        const at = i * item;
        const length = this.uint(data, at, 4);
        let bytes: Uint8Array = new Uint8Array(0);
        if (length > 0) {
          const obj = this.globalHeapObject(
            this.base + this.uint(data, at + 4, O),
            this.uint(data, at + 4 + O, 4),
          );
          if (!obj || obj.length < length) return undefined;
          bytes = obj.subarray(0, length);
        }
        const nul = bytes.indexOf(0);
        if (nul >= 0) bytes = bytes.subarray(0, nul);
        // Emscripten's UTF8ToString / AsciiToString (one char per byte).
        out.push(Buffer.from(bytes).toString(t.cset === 1 ? 'utf8' : 'latin1'));
      }
    } else if (t.type === H5T_STRING) {
      if (data.length < n * t.size) return undefined;
      const decoder = new TextDecoder(t.cset === 1 ? 'utf-8' : 'ascii');
      out = [];
      for (let i = 0; i < n; i++) {
        let bytes = data.subarray(i * t.size, (i + 1) * t.size);
        const nul = bytes.indexOf(0);
        if (nul > -1) bytes = bytes.subarray(0, nul);
        out.push(decoder.decode(bytes));
      }
    } else if (t.type === H5T_INTEGER || t.type === H5T_FLOAT) {
      const Ctor = t.type === H5T_FLOAT ? FLOAT_ARRAYS[t.size] : INT_ARRAYS[t.size]?.[t.signed ? 1 : 0];
      if (!Ctor || data.length < n * t.size) return undefined;
      out = new Ctor(data.slice(0, n * t.size).buffer);
    } else return undefined;
    return scalar ? out[0] : out;
  }

  /** DIMENSION_LIST: per dimension a variable-length list of object references in the global heap. */
  private dimensionList(raw: Uint8Array): (number | null)[] | null {
    const O = this.offsetSize;
    const typeSize = raw[0] | (raw[1] << 8);
    const spaceSize = raw[2] | (raw[3] << 8);
    const t = raw.subarray(4, 4 + typeSize);
    // vlen sequence (class 9, type 0) of object references (class 7, type 0) of the offset size.
    if ((t[0] & 0x0f) !== 9 || (t[1] & 0x0f) !== 0) return null;
    const base = t.subarray(8);
    if ((base[0] & 0x0f) !== 7 || (base[1] & 0x0f) !== 0 || this.uint(base, 4, 4) !== O) return null;
    const space = this.dataspace(raw.subarray(4 + typeSize, 4 + typeSize + spaceSize));
    if (!space || space.shape.length !== 1) return null;
    const data = raw.subarray(4 + typeSize + spaceSize);
    const out: (number | null)[] = [];
    const item = 4 + O + 4;
    for (let i = 0; i < space.shape[0]; i++) {
      const at = i * item;
      if (at + item > data.length) return null;
      const length = this.uint(data, at, 4);
      if (length === 0) {
        out.push(null);
        continue;
      }
      const obj = this.globalHeapObject(
        this.base + this.uint(data, at + 4, O),
        this.uint(data, at + 4 + O, 4),
      );
      if (!obj || obj.length < O) return null;
      out.push(this.base + this.uint(obj, 0, O));
    }
    return out;
  }

  private readonly heaps = new Map<number, Buffer>();

  /** An object of a global heap collection (III.E): "GCOL", version, collection size, then the objects. */
  private globalHeapObject(address: number, index: number): Uint8Array | null {
    const L = this.lengthSize;
    let heap = this.heaps.get(address);
    if (!heap) {
      const head = this.readAt(address, 8 + L);
      if (head.toString('latin1', 0, 4) !== 'GCOL') return null;
      heap = this.readAt(address, this.uint(head, 8, L));
      this.heaps.set(address, heap);
    }
    let at = 8 + L;
    while (at + 8 + L <= heap.length) {
      const id = heap[at] | (heap[at + 1] << 8);
      if (id === 0) return null; // free space: the rest of the collection
      const size = this.uint(heap, at + 8, L);
      if (id === index) return heap.subarray(at + 8 + L, at + 8 + L + size);
      at += 8 + L + Math.ceil(size / 8) * 8;
    }
    return null;
  }

  /**
   * Copy the hyperslab `start`/`count` of a dataset of shape `shape` into `out` (row-major, product(count)
   * values of the stored type, converted to host byte order).
   */
  read(plan: ChunkPlan, shape: number[], start: number[], count: number[], out: NumericArray): void {
    const rank = shape.length;
    const { chunk } = plan;
    if (product(count) === 0) return;
    if (plan.contiguous) {
      this.readContiguous(plan, plan.contiguous, shape, start, count, out);
      return;
    }
    const first = start.map((s, d) => Math.floor(s / chunk[d]));
    const last = start.map((s, d) => Math.floor((s + count[d] - 1) / chunk[d]));
    const idx = first.slice();
    const ctor = out.constructor as ArrayCtor;
    // Unshuffled chunks land in one buffer reused for every chunk of this read (copied out right after).
    const chunkBytes = product(chunk) * plan.elem;
    let scratch: Uint8Array | undefined;
    const cstride = rowStrides(chunk);
    const ostride = rowStrides(count);
    for (;;) {
      const origin = idx.map((i, d) => i * chunk[d]);
      const entry = plan.chunks.get(origin.join(','));
      if (!entry) throw new ChunkFallback(`chunk at [${origin.join(', ')}] is not stored`);
      const data = this.decode(plan, entry, ctor, (scratch ??= new Uint8Array(chunkBytes)));
      copyChunk(data, origin, chunk, cstride, start, count, ostride, out);
      let d = rank - 1;
      while (d >= 0 && ++idx[d] > last[d]) {
        idx[d] = first[d];
        d--;
      }
      if (d < 0) break;
    }
  }

  /**
   * A contiguous dataset: the bytes from the selection's first to its last element in one positioned read
   * (straight into the output when the selection is contiguous), then the hyperslab. A sparse selection of a
   * large dataset is left to h5wasm (ChunkFallback), which reads only the selected elements.
   */
  private readContiguous(
    plan: ChunkPlan,
    c: { address: number; size: number },
    shape: number[],
    start: number[],
    count: number[],
    out: NumericArray,
  ): void {
    const { first, span } = hyperslabSpan(shape, start, count);
    const n = product(count);
    const e = plan.elem;
    if ((first + span) * e > c.size)
      throw new InvalidNetcdfError(
        `${this.path}: contiguous data at byte ${c.address} is shorter than its shape`,
      );
    if (span > 8 * n && span * e > 1 << 20) throw new ChunkFallback('sparse selection');
    const ctor = out.constructor as ArrayCtor;
    const block = span === n ? out : new ctor(new ArrayBuffer(span * e), 0, span);
    const bytes = new Uint8Array(block.buffer, block.byteOffset, span * e);
    this.readInto(bytes, c.address + first * e);
    if (!plan.littleEndian && e > 1) {
      const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (e === 2) b.swap16();
      else if (e === 4) b.swap32();
      else if (e === 8) b.swap64();
    }
    if (block !== out) copyHyperslab(block, shape, start, count, out, 0, first);
  }

  private readInto(buf: Uint8Array, pos: number): void {
    readFully(this.fd, buf, pos, this.path);
  }

  private decode(plan: ChunkPlan, entry: ChunkEntry, ctor: ArrayCtor, scratch: Uint8Array): NumericArray {
    let buf: Uint8Array = this.readAt(entry.address, entry.size);
    for (let i = plan.filters.length - 1; i >= 0; i--) {
      if (entry.mask & (1 << i)) continue;
      const f = plan.filters[i];
      try {
        // One output buffer of the chunk's size (+ slack so zlib sees the end without another buffer),
        // instead of node's default 16 KiB pieces concatenated at the end.
        buf =
          f.id === FILTER_DEFLATE
            ? inflateSync(buf, { chunkSize: Math.max(64, product(plan.chunk) * plan.elem + 64) })
            : unshuffle(buf, plan.elem, buf.length === scratch.length ? scratch : undefined);
      } catch (err) {
        throw new InvalidNetcdfError(
          `${this.path}: cannot decode chunk at byte ${entry.address} (${(err as Error).message})`,
          { cause: err },
        );
      }
    }
    const n = product(plan.chunk);
    if (buf.length < n * plan.elem)
      throw new InvalidNetcdfError(
        `${this.path}: chunk at byte ${entry.address} decodes to ${buf.length} bytes, expected ${n * plan.elem}`,
      );
    if (buf.byteOffset % plan.elem !== 0) buf = buf.slice(0, n * plan.elem);
    if (!plan.littleEndian && plan.elem > 1) {
      const b = Buffer.from(buf.buffer, buf.byteOffset, n * plan.elem);
      if (plan.elem === 2) b.swap16();
      else if (plan.elem === 4) b.swap32();
      else if (plan.elem === 8) b.swap64();
    }
    return new ctor(buf.buffer, buf.byteOffset, n);
  }

  private readAt(pos: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    readFully(this.fd, buf, pos, this.path);
    return buf;
  }

  private uint(b: Uint8Array, at: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i];
    return v;
  }

  private isUndefined(b: Uint8Array, at: number, size: number): boolean {
    for (let i = 0; i < size; i++) if (b[at + i] !== 0xff) return false;
    return true;
  }

  /** Superblock at byte 0 (open.ts checked the signature there): sizes of offsets/lengths, base address. */
  private readSuperblock(): boolean {
    const b = this.readAt(0, 32);
    const version = b[8];
    let at: number;
    if (version <= 1) {
      this.offsetSize = b[13];
      this.lengthSize = b[14];
      at = version === 0 ? 24 : 28;
    } else if (version <= 3) {
      this.offsetSize = b[9];
      this.lengthSize = b[10];
      at = 12;
    } else return false;
    if (![2, 4, 8].includes(this.offsetSize) || ![2, 4, 8].includes(this.lengthSize)) {
      this.offsetSize = 0;
      return false;
    }
    const O = this.offsetSize;
    const b2 = this.readAt(at, 6 * O);
    this.base = this.uint(b2, 0, O);
    // A file shorter than its stored end-of-file address is truncated: leave it all to h5wasm.
    if (this.base + this.uint(b2, 2 * O, O) > fstatSync(this.fd).size) {
      this.offsetSize = 0;
      return false;
    }
    // Root group object header: in the root symbol table entry (versions 0/1) or directly (2/3).
    this.rootAddress = this.uint(b2, version <= 1 ? 5 * O : 3 * O, O);
    return true;
  }

  /**
   * The root group's links in h5wasm's `keys()` order (creation order when indexed, else by name): compact
   * link messages or dense storage (fractal heap with a one-level name index, IV.A.2.g link info, III.G
   * fractal heap, III.H version-2 B-tree). Hard links carry the object header address. Null when the group
   * is stored otherwise (symbol table) or anything is outside that subset.
   */
  rootLinks(): Link[] | null {
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + this.rootAddress);
    if (!messages) return null;
    const info = messages.find((m) => m.type === MSG_LINK_INFO);
    if (!info) return null;
    const O = this.offsetSize;
    const d = info.data;
    const flags = d[1];
    const at = 2 + (flags & 1 ? 8 : 0);
    const heap = this.uint(d, at, O);
    const nameIndex = this.uint(d, at + O, O);
    const undefinedHeap = this.isUndefined(d, at, O);
    let links: (Link | null)[] | null;
    if (undefinedHeap) links = messages.filter((m) => m.type === MSG_LINK).map((m) => this.link(m.data));
    else links = this.denseLinks(this.base + heap, this.base + nameIndex);
    if (!links || links.some((l) => !l)) return null;
    return sortLinks(links as Link[], (flags & 2) !== 0);
  }
  /** Attribute names of the root group's header (compact storage only; null otherwise). */
  rootAttributeNames(): string[] | null {
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + this.rootAddress);
    if (!messages) return null;
    const info = messages.find((m) => m.type === MSG_ATTR_INFO);
    if (info && this.denseAttributes(info.data)) return null;
    const names: string[] = [];
    for (const m of messages) {
      if (m.type !== MSG_ATTRIBUTE) continue;
      const a = this.attribute(m.data);
      if (!a) return null;
      names.push(a.name);
    }
    return names;
  }

  /** A link message (IV.A.2.g): name, creation order, and the address of a hard link's object. */
  private link(d: Uint8Array): Link | null {
    if (d[0] !== 1) return null;
    const flags = d[1];
    let at = 2;
    let type = 0;
    if (flags & 0x08) type = d[at++];
    let order: number | undefined;
    if (flags & 0x04) {
      order = this.uint(d, at, 8);
      at += 8;
    }
    let cset = 0;
    if (flags & 0x10) cset = d[at++];
    const lenSize = 1 << (flags & 3);
    const len = this.uint(d, at, lenSize);
    at += lenSize;
    const name = Buffer.from(d.buffer, d.byteOffset + at, len).toString(cset === 1 ? 'utf8' : 'latin1');
    at += len;
    if (type !== 0) return { name, order };
    return { name, order, address: this.uint(d, at, this.offsetSize) };
  }

  /** Links in dense storage: the name index (a version-2 B-tree of type 5 whose root is a leaf) → heap IDs. */
  private denseLinks(heapAddress: number, btreeAddress: number): Link[] | null {
    const O = this.offsetSize;
    const L = this.lengthSize;
    const heap = this.fractalHeap(heapAddress);
    if (!heap) return null;
    const h = this.readAt(btreeAddress, 16 + O + 2 + L);
    if (h.toString('latin1', 0, 4) !== 'BTHD' || h[4] !== 0 || h[5] !== 5) return null;
    const recordSize = h[10] | (h[11] << 8);
    const depth = h[12] | (h[13] << 8);
    const root = this.uint(h, 16, O);
    const nRecords = h[16 + O] | (h[17 + O] << 8);
    if (depth !== 0) return null;
    const links: Link[] = [];
    if (nRecords === 0) return links;
    const leaf = this.readAt(root, 6 + nRecords * recordSize);
    if (leaf.toString('latin1', 0, 4) !== 'BTLF') return null;
    for (let i = 0; i < nRecords; i++) {
      const id = leaf.subarray(6 + i * recordSize + 4, 6 + (i + 1) * recordSize);
      const obj = this.heapObject(heap, id);
      const link = obj && this.link(obj);
      if (!link) return null;
      links.push(link);
    }
    return links;
  }

  private fractalHeap(address: number): FractalHeap | null {
    const O = this.offsetSize;
    const L = this.lengthSize;
    const size = 4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8 * L + 2 + L + L + 2 + 2 + O + 2;
    const h = this.readAt(address, size);
    if (h.toString('latin1', 0, 4) !== 'FRHP' || h[4] !== 0) return null;
    const idLength = h[5] | (h[6] << 8);
    if ((h[7] | (h[8] << 8)) !== 0) return null; // I/O filters on the heap
    let at = 9 + 1;
    const maxManaged = this.uint(h, at, 4);
    at += 4 + L + O + L + O + 8 * L;
    const width = h[at] | (h[at + 1] << 8);
    at += 2;
    const startBlock = this.uint(h, at, L);
    const maxDirect = this.uint(h, at + L, L);
    at += 2 * L;
    const maxHeapBits = h[at] | (h[at + 1] << 8);
    at += 4; // maximum heap size, starting # of rows
    const rootBlock = this.uint(h, at, O);
    const rows = h[at + O] | (h[at + O + 1] << 8);
    const offBytes = Math.ceil(maxHeapBits / 8);
    const lenBytes = Math.min(
      Math.ceil(Math.log2(maxDirect) / 8),
      Math.floor(Math.log2(Math.max(1, maxManaged)) / 8) + 1,
    );
    return {
      idLength,
      width,
      startBlock,
      maxDirect,
      rootBlock: this.base + rootBlock,
      rows,
      offBytes,
      lenBytes,
    };
  }

  /** A managed object of a fractal heap by its heap ID: root direct block, or a direct child of the root. */
  private heapObject(heap: FractalHeap, id: Uint8Array): Uint8Array | null {
    if (id[0] >> 6 !== 0 || ((id[0] >> 4) & 3) !== 0) return null; // only managed objects
    const offset = this.uint(id, 1, heap.offBytes);
    const length = this.uint(id, 1 + heap.offBytes, heap.lenBytes);
    let block = heap.rootBlock;
    let blockOffset = 0;
    if (heap.rows > 0) {
      // Root indirect block: rows of `width` blocks; rows 0 and 1 of startBlock bytes, then doubling.
      const O = this.offsetSize;
      const maxDirectRows = Math.log2(heap.maxDirect) - Math.log2(heap.startBlock) + 2;
      const usable = Math.min(heap.rows, maxDirectRows);
      if (heap.width === 0 || !(heap.startBlock > 0)) return null;
      let row = 0;
      let rowStart = 0;
      let blockSize = heap.startBlock;
      for (; row < usable; row++) {
        blockSize = row < 2 ? heap.startBlock : heap.startBlock * 2 ** (row - 1);
        if (offset < rowStart + blockSize * heap.width) break;
        rowStart += blockSize * heap.width;
      }
      if (row >= usable) return null;
      const col = Math.floor((offset - rowStart) / blockSize);
      const head = 5 + O + heap.offBytes;
      const entry = this.readAt(heap.rootBlock + head + (row * heap.width + col) * O, O);
      if (this.isUndefined(entry, 0, O)) return null;
      block = this.base + this.uint(entry, 0, O);
      blockOffset = rowStart + col * blockSize;
    }
    return this.readAt(block + (offset - blockOffset), length);
  }

  /** The messages of an object header (version 1 or 2) including its continuation blocks. */
  private objectHeader(address: number): Message[] | null {
    if (!this.headers.has(address)) this.headers.set(address, this.parseHeader(address));
    return this.headers.get(address)!;
  }

  private parseHeader(address: number): Message[] | null {
    const out: Message[] = [];
    const O = this.offsetSize;
    const L = this.lengthSize;
    const head = this.readAt(address, 16);
    const blocks: [number, number][] = [];
    let v2 = false;
    let trackOrder = false;
    let indexed = false;
    if (head[0] === 1) {
      blocks.push([address + 16, this.uint(head, 8, 4)]);
    } else if (head.toString('latin1', 0, 4) === 'OHDR' && head[4] === 2) {
      v2 = true;
      const flags = head[5];
      trackOrder = (flags & 0x04) !== 0;
      indexed = (flags & 0x08) !== 0;
      let at = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const sizeBytes = 1 << (flags & 3);
      const h = at + sizeBytes > 16 ? this.readAt(address, at + sizeBytes) : head;
      const size = this.uint(h, at, sizeBytes);
      at += sizeBytes;
      blocks.push([address + at, size]);
    } else return null;
    for (let k = 0; k < blocks.length && k < 1000; k++) {
      const [pos, len] = blocks[k];
      const b = this.readAt(pos, len);
      let at = k > 0 && v2 ? 4 : 0; // OCHK signature of a version-2 continuation block
      if (v2 && k > 0 && b.toString('latin1', 0, 4) !== 'OCHK') return null;
      const end = v2 && k > 0 ? len - 4 : len; // a version-2 continuation block ends with its checksum
      const hdr = v2 ? 4 + (trackOrder ? 2 : 0) : 8;
      while (at + hdr <= end) {
        const type = v2 ? b[at] : b[at] | (b[at + 1] << 8);
        const size = v2 ? b[at + 1] | (b[at + 2] << 8) : b[at + 2] | (b[at + 3] << 8);
        const flags = v2 ? b[at + 3] : b[at + 4];
        const data = b.subarray(at + hdr, at + hdr + size);
        if (flags & 0x02) return null; // shared message: stored elsewhere
        if (type === MSG_CONTINUATION)
          blocks.push([this.base + this.uint(data, 0, O), this.uint(data, O, L)]);
        else out.push({ type, data, order: trackOrder ? b[at + 4] | (b[at + 5] << 8) : 0, indexed });
        at += hdr + size;
        if (!v2) at = (at + 7) & ~7;
      }
    }
    return out;
  }

  private filters(d: Uint8Array): Filter[] | null {
    const version = d[0];
    const n = d[1];
    const out: Filter[] = [];
    let at = version === 1 ? 8 : 2;
    if (version !== 1 && version !== 2) return null;
    for (let i = 0; i < n; i++) {
      const id = d[at] | (d[at + 1] << 8);
      at += 2;
      let nameLen = 0;
      if (version === 1 || id >= 256) {
        nameLen = d[at] | (d[at + 1] << 8);
        at += 2;
      }
      const flags = d[at] | (d[at + 1] << 8);
      const nValues = d[at + 2] | (d[at + 3] << 8);
      at += 4;
      at += version === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen;
      at += 4 * nValues + (version === 1 && nValues % 2 ? 4 : 0);
      out.push({ id, optional: (flags & 1) !== 0 });
    }
    return out;
  }

  /** Chunk dimensions and index of a chunked layout message; null for other layouts and indexes. */
  private layout(
    d: Uint8Array,
    rank: number,
    elem: number,
    filtered: boolean,
  ): { chunk: number[]; chunks: Map<string, ChunkEntry> } | null {
    const O = this.offsetSize;
    const version = d[0];
    if (d[1] !== 2) return null; // not chunked
    if (version === 3) {
      const dims = d[2];
      if (dims !== rank + 1) return null;
      const btree = this.uint(d, 3, O);
      const chunk = Array.from({ length: rank }, (_, i) => this.uint(d, 3 + O + 4 * i, 4));
      if (this.uint(d, 3 + O + 4 * rank, 4) !== elem) return null;
      const chunks = new Map<string, ChunkEntry>();
      if (!this.isUndefined(d, 3, O)) this.btree(this.base + btree, rank, chunks, 0);
      return { chunk, chunks };
    }
    if (version === 4) {
      const flags = d[2];
      const dims = d[3];
      const enc = d[4];
      if (dims !== rank + 1) return null;
      const chunk = Array.from({ length: rank }, (_, i) => this.uint(d, 5 + enc * i, enc));
      if (this.uint(d, 5 + enc * rank, enc) !== elem) return null;
      let at = 5 + enc * dims;
      if (d[at] !== 1) return null; // only the single-chunk index
      at += 1;
      const n = product(chunk) * elem;
      let size = n;
      let mask = 0;
      if (flags & 0x02) {
        size = this.uint(d, at, this.lengthSize);
        mask = this.uint(d, at + this.lengthSize, 4);
        at += this.lengthSize + 4;
      } else if (filtered) return null;
      const chunks = new Map<string, ChunkEntry>();
      if (!this.isUndefined(d, at, O))
        chunks.set(chunk.map(() => 0).join(','), { address: this.base + this.uint(d, at, O), size, mask });
      return { chunk, chunks };
    }
    return null;
  }

  /** Walk a version-1 B-tree of chunks (node type 1) and record every chunk by its element offsets. */
  private btree(address: number, rank: number, into: Map<string, ChunkEntry>, depth: number): void {
    if (depth > 64) throw new InvalidNetcdfError(`${this.path}: chunk B-tree deeper than 64 levels`);
    const O = this.offsetSize;
    const head = this.readAt(address, 8 + 2 * O);
    if (head.toString('latin1', 0, 4) !== 'TREE' || head[4] !== 1)
      throw new InvalidNetcdfError(`${this.path}: no chunk B-tree node at byte ${address}`);
    const level = head[5];
    const entries = head[6] | (head[7] << 8);
    const key = 8 + 8 * (rank + 1);
    const b = this.readAt(address + 8 + 2 * O, entries * (key + O) + key);
    for (let i = 0; i < entries; i++) {
      const at = i * (key + O);
      const child = this.base + this.uint(b, at + key, O);
      if (level > 0) {
        this.btree(child, rank, into, depth + 1);
        continue;
      }
      const size = this.uint(b, at, 4);
      const mask = this.uint(b, at + 4, 4);
      const offsets = Array.from({ length: rank }, (_, k) => this.uint(b, at + 8 + 8 * k, 8));
      into.set(offsets.join(','), { address: child, size, mask });
    }
  }
}

/**
 * Copy the part of one chunk (at `origin`) that lies inside the selection into the output. Trailing
 * dimensions that the chunk and the selection both cover whole are merged into one contiguous block.
 */
function copyChunk(
  src: NumericArray,
  origin: number[],
  chunk: number[],
  cstride: number[],
  start: number[],
  count: number[],
  ostride: number[],
  out: NumericArray,
): void {
  const rank = chunk.length;
  const lo = origin.map((o, d) => Math.max(o, start[d]));
  const hi = origin.map((o, d) => Math.min(o + chunk[d], start[d] + count[d]));
  let k = rank - 1; // block = dimensions k.. (contiguous in both arrays)
  let block = hi[k] - lo[k];
  while (k > 0 && hi[k] - lo[k] === chunk[k] && hi[k] - lo[k] === count[k]) {
    k--;
    block *= hi[k] - lo[k];
  }
  const i = lo.slice();
  for (;;) {
    let s = 0;
    let o = 0;
    for (let d = 0; d < rank; d++) {
      s += (i[d] - origin[d]) * cstride[d];
      o += (i[d] - start[d]) * ostride[d];
    }
    out.set(src.subarray(s, s + block), o);
    let d = k - 1;
    while (d >= 0 && ++i[d] >= hi[d]) {
      i[d] = lo[d];
      d--;
    }
    if (d < 0) break;
  }
}

/**
 * Undo the HDF5 shuffle filter (H5Zshuffle.c): the stored bytes are byte 0 of every element, then byte 1, …;
 * bytes past the last whole element are left in place. Writes into `into` when given (same length).
 * Host byte order little-endian (checked by chunkPlan): byte b of an element is bits 8b…8b+7 of its word.
 */
export function unshuffle(src: Uint8Array, elem: number, into?: Uint8Array): Uint8Array {
  const n = Math.floor(src.length / elem);
  if (elem <= 1 || n <= 1) return src;
  const out = into ?? new Uint8Array(src.length);
  if (elem === 4 && n % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    // Four elements at a time: one word from each byte plane, a 4×4 byte transpose into four words.
    const o = new Int32Array(out.buffer, out.byteOffset, n);
    const w = new Int32Array(src.buffer, src.byteOffset, n);
    const q = n >> 2;
    for (let j = 0; j < q; j++) {
      const a = w[j];
      const b = w[q + j];
      const c = w[2 * q + j];
      const d = w[3 * q + j];
      const k = j << 2;
      o[k] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
      o[k + 1] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
      o[k + 2] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
      o[k + 3] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
    }
  } else if ((elem === 4 || elem === 8) && out.byteOffset % 4 === 0) {
    // Int32 stores keep the loop in int32 arithmetic.
    const o = new Int32Array(out.buffer, out.byteOffset, (n * elem) >> 2);
    const words = elem >> 2;
    for (let h = 0; h < words; h++) {
      const p0 = 4 * h * n;
      for (let i = 0; i < n; i++)
        o[i * words + h] =
          src[p0 + i] | (src[p0 + n + i] << 8) | (src[p0 + 2 * n + i] << 16) | (src[p0 + 3 * n + i] << 24);
    }
  } else if (elem === 2 && out.byteOffset % 2 === 0) {
    const o16 = new Uint16Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) o16[i] = src[i] | (src[n + i] << 8);
  } else {
    for (let b = 0; b < elem; b++) {
      const base = b * n;
      for (let i = 0; i < n; i++) out[i * elem + b] = src[base + i];
    }
  }
  out.set(src.subarray(n * elem), n * elem);
  return out;
}

/** A datatype message (IV.A.2.d) as h5wasm reports it: class, size, sign, byte order, vlen strings. */
function datatype(d: Uint8Array): Omit<DirectMetadata, 'shape' | 'maxshape' | 'chunks'> | null {
  const cls = d[0] & 0x0f;
  const bits = d[1];
  const size = d[4] | (d[5] << 8) | (d[6] << 16) | (d[7] << 24);
  const base = { type: cls, size, signed: false, vlen: false, littleEndian: true, cset: 0 };
  if (cls === H5T_INTEGER) return { ...base, signed: (bits & 0x08) !== 0, littleEndian: (bits & 1) === 0 };
  if (cls === H5T_FLOAT) {
    if (bits & 0x40) return null; // VAX order
    return { ...base, littleEndian: (bits & 1) === 0 };
  }
  if (cls === H5T_STRING) return { ...base, cset: bits >> 4 };
  if (cls === H5T_VLEN && (bits & 0x0f) === 1)
    return { ...base, type: H5T_STRING, vlen: true, cset: d[2] & 0x0f };
  return base; // other classes: not netCDF classic types (skipped by ncType)
}

/** H5Literate's order: creation order when the group indexes it, else names in strcmp (byte) order. */
function sortLinks(links: Link[], byCreation: boolean): Link[] {
  if (byCreation) return links.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  return links.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}
