/**
 * Direct reads of chunked HDF5 datasets: the chunk index (version-1 B-tree, data layout message version 3, or
 * a single-chunk version-4 layout) is parsed from the dataset's object header, each chunk needed by a
 * hyperslab is read with a positioned read and decoded with node:zlib (deflate) and the HDF5 shuffle filter,
 * then copied into the output. HDF5 File Format Specification 3.0 (III.A superblock, IV.A object headers,
 * IV.A.2.i data layout, IV.A.2.l filter pipeline, III.A.1 version-1 B-trees). Anything outside that subset
 * (other filters, other chunk indexes, symbol-table groups, big-endian hosts) makes a method return null with
 * `declined` saying why; the caller refuses the file (UnsupportedNetcdfError). Every field is bounds-checked
 * against its structure and the file (`uint`, `slice`, `readAt`), and checksums are verified: a failure is
 * a CorruptNetcdfError naming the structure and its byte offset.
 */
import { fstatSync } from 'node:fs';
import { endianness } from 'node:os';
import { inflateSync } from 'node:zlib';
import { CorruptNetcdfError, UnsupportedNetcdfError } from '../contracts/errors.js';
import { fletcher32, lookup3 } from './checksums.js';
import { decodeName, nameProblem } from './names.js';
import { readFully } from './positioned.js';
import { copyHyperslab, hyperslabSpan, rowStrides } from './slice.js';
import { product, type NumericArray } from './store.js';

const FILTER_DEFLATE = 1;
const FILTER_SHUFFLE = 2;
const FILTER_FLETCHER32 = 3;
const MSG_FILL_VALUE = 0x05;
const MSG_FILL_VALUE_OLD = 0x04;
/** zlib's maximum compression ratio (zlib technical details, "Maximum compression factor": 1032:1). */
export const MAX_DEFLATE_RATIO = 1032;
const MSG_CONTINUATION = 0x10;
const MSG_LAYOUT = 0x08;
const MSG_FILTERS = 0x0b;
const MSG_DATASPACE = 0x01;
const MSG_LINK_INFO = 0x02;
const MSG_LINK = 0x06;
const MSG_SYMBOL_TABLE = 0x11;
const MSG_GROUP_INFO = 0x0a;
const MSG_DATATYPE = 0x03;
const MSG_ATTRIBUTE = 0x0c;
const MSG_ATTR_INFO = 0x15;
/** Link info, group info and attribute info: version 0 only, two defined flag bits. */
const INFO_MESSAGES = new Set([MSG_LINK_INFO, MSG_GROUP_INFO, MSG_ATTR_INFO]);
/** Messages of a group's object header: link info, link, group info, symbol table (IV.A.2.c, g, f, r). */
const GROUP_MESSAGES = new Set([0x02, 0x06, 0x0a, 0x11]);
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
  /** Direct blocks carry a lookup3 checksum (heap flags bit 1). */
  checksummed: boolean;
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
  /** Every reference of the DIMENSION_LIST (all scales attached to every dimension), empty without one. */
  allDimRefs: number[];
}

interface Filter {
  id: number;
  optional: boolean;
  /** Client data values (shuffle: the element size it was applied with). */
  values: number[];
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
  /** Compact layout: the data stored in the layout message itself. */
  compact?: Uint8Array;
  /** One element of the fill value (unwritten chunks read as this; zeros when the file defines none). */
  fill: Uint8Array;
}

/** A typed-array constructor for the output type; the chunk bytes are viewed through it. */
type ArrayCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray;

/** An object header message; `order` is its creation order when the header tracks it (version 2). */
interface Message {
  type: number;
  data: Uint8Array;
  order: number;
  /** File offset of the message's data. */
  at: number;
  /** The header indexes attribute creation order (h5wasm then lists attributes in that order). */
  indexed: boolean;
}

export class H5ChunkReader {
  private readonly headers = new Map<number, Message[] | null>();
  private offsetSize = 0;
  private rootAddress = 0;
  private lengthSize = 0;
  private base = 0;
  /** Where reads must end: the file's size, then the end-of-file address its superblock records. */
  private size: number;
  private readonly fileSize: number;
  /** The structure being parsed, named in CorruptNetcdfErrors raised by field reads (`uint`, `slice`). */
  private where = { structure: 'HDF5 superblock', offset: 0 };
  /** Why the last `null` was returned ("not handled here"), for UnsupportedNetcdfError in strict mode. */
  declined = '';

  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {
    this.size = this.fileSize = fstatSync(fd).size;
  }

  /** Record why a structure is not handled here and return null. */
  private no(feature: string): null {
    this.declined = feature;
    return null;
  }

  /** A CorruptNetcdfError about the structure being parsed (or the one named). */
  corrupt(problem: string, structure = this.where.structure, offset = this.where.offset): CorruptNetcdfError {
    return new CorruptNetcdfError(this.path, structure, offset, problem);
  }

  /**
   * The storage of the dataset whose object header is at `address` (compact, contiguous or chunked with a
   * version-1 B-tree or single-chunk index; filters deflate, shuffle, fletcher32), or null if not handled
   * here. Every address and size is checked against the file: contiguous data must lie inside the file and
   * hold exactly the dataset's bytes, and a chunked dataset cannot declare more data than the file can hold
   * at zlib's maximum ratio.
   */
  chunkPlan(address: number, elem: number, littleEndian: boolean, shape: number[]): ChunkPlan | null {
    if (endianness() !== 'LE') return this.no('a big-endian host');
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const rank = shape.length;
    const messages = this.objectHeader(this.base + address);
    if (!messages) return null;
    const layout = messages.find((m) => m.type === MSG_LAYOUT);
    if (!layout)
      throw this.corrupt('dataset object header has no data layout message', 'object header', address);
    const fm = messages.find((m) => m.type === MSG_FILTERS);
    const filters = fm ? this.filters(fm.data) : [];
    if (!filters) return null;
    const other = filters.find((f) => ![FILTER_DEFLATE, FILTER_SHUFFLE, FILTER_FLETCHER32].includes(f.id));
    if (other) return this.no(`HDF5 filter ${other.id}`);
    // HDF5 unshuffles with the element size recorded at write time (H5Zshuffle.c cd_values[0]).
    const shuffle = filters.find((f) => f.id === FILTER_SHUFFLE);
    if (shuffle && shuffle.values.length && shuffle.values[0] !== elem)
      throw this.corrupt(
        `shuffle filter for ${shuffle.values[0]}-byte elements on ${elem}-byte data`,
        'filter pipeline message',
        address,
      );
    const fill = this.fillValue(messages, elem);
    const bytes = product(shape) * elem;
    this.where = { structure: 'data layout message', offset: address };
    const d = layout.data;
    const version = d[0];
    if (version !== 3 && version !== 4) return this.no(`data layout message version ${version}`);
    const layoutClass = d[1];
    const base = { chunk: [], elem, littleEndian, filters, chunks: new Map<string, ChunkEntry>(), fill };
    if (layoutClass === 0) {
      const size = this.uint(d, 2, 2);
      if (size !== bytes) throw this.corrupt(`compact data holds ${size} bytes, the dataset needs ${bytes}`);
      return { ...base, compact: this.slice(d, 4, size) };
    }
    if (layoutClass === 1) {
      if (filters.length) throw this.corrupt('a contiguous dataset with a filter pipeline');
      const O = this.offsetSize;
      const size = this.uint(d, 2 + O, this.lengthSize);
      if (size !== bytes)
        throw this.corrupt(`contiguous data holds ${size} bytes, the dataset's shape needs ${bytes}`);
      if (this.isUndefined(d, 2, O)) return { ...base, contiguous: { address: -1, size } }; // fill values
      const at = this.base + this.uint(d, 2, O);
      this.within(at, size, 'contiguous data');
      return { ...base, contiguous: { address: at, size } };
    }
    if (layoutClass !== 2) return this.no(`data layout class ${layoutClass}`);
    if (rank === 0) throw this.corrupt('a chunked scalar dataset');
    const parsed = this.layout(d, shape, elem, filters.length > 0);
    if (!parsed) return null;
    // Unwritten chunks read as the fill value, so a dataspace could claim any size; beyond what its stored
    // chunks could hold at zlib's maximum ratio (and a 64 MiB allowance for sparse variables) it is refused
    // before any buffer is sized from it.
    let stored = 0;
    for (const c of parsed.chunks.values()) stored += c.size;
    if (bytes > Math.max(64 << 20, MAX_DEFLATE_RATIO * stored))
      throw this.corrupt(
        `the dataset declares ${bytes} bytes but its chunks store ${stored}, more than deflate can expand to`,
        'data layout message',
        address,
      );
    return { ...base, chunk: parsed.chunk, chunks: parsed.chunks };
  }

  /**
   * One element of the dataset's fill value (IV.A.2.f fill value message, versions 1-3, else the old
   * fill value message IV.A.2.e); zeros when none is defined, as HDF5 reads unwritten storage.
   */
  private fillValue(messages: Message[], elem: number): Uint8Array {
    const m = messages.find((x) => x.type === MSG_FILL_VALUE);
    const old = messages.find((x) => x.type === MSG_FILL_VALUE_OLD);
    let at = -1;
    let d: Uint8Array | undefined;
    if (m) {
      d = m.data;
      this.where = { structure: 'fill value message', offset: -1 };
      const version = this.uint(d, 0, 1);
      if (version === 1 || version === 2) {
        if (version === 1 || this.uint(d, 3, 1) === 1) at = 4;
      } else if (version === 3) {
        if (this.uint(d, 1, 1) & 0x20) at = 2;
      } else throw this.corrupt(`fill value message version ${version}`);
    } else if (old) {
      d = old.data;
      at = 0;
    }
    if (!d || at < 0) return new Uint8Array(elem);
    const size = this.uint(d, at, 4);
    if (size === 0) return new Uint8Array(elem);
    if (size !== elem) throw this.corrupt(`fill value of ${size} bytes for ${elem}-byte elements`);
    return this.slice(d, at + 4, size);
  }

  /** The range [at, at + len) must lie inside the file. */
  private within(at: number, len: number, structure: string): void {
    if (!(at >= 0 && len >= 0 && Number.isSafeInteger(at + len)) || at + len > this.size)
      throw this.corrupt(
        `${len} bytes from byte ${at} run past the end of the file (${this.size} bytes${this.size < this.fileSize ? ', as its superblock records' : ''})`,
        structure,
        at,
      );
  }

  /** `b[at, at + len)`, which must lie inside `b` (a field of the structure being parsed). */
  private slice(b: Uint8Array, at: number, len: number): Uint8Array {
    if (!(at >= 0 && len >= 0) || at + len > b.length)
      throw this.corrupt(
        `a field of ${len} bytes at offset ${at} runs past the structure's ${b.length} bytes`,
      );
    return b.subarray(at, at + len);
  }

  /**
   * What Nc4Store needs of a dataset at open, from its object header alone (IV.A.2.b dataspace, IV.A.2.d
   * datatype, IV.A.2.m attribute messages): h5wasm-compatible metadata, attribute names in h5wasm's order, the
   * values of the `want`ed attributes (fixed-length strings and integers) and the first dimension scale
   * address of each dimension (DIMENSION_LIST). Null when anything is outside that subset (shared or
   * committed messages, dense attribute storage, other attribute types): the caller asks h5wasm.
   */
  datasetEntry(address: number, want: Set<string>): DatasetEntry | null {
    if (endianness() !== 'LE') return this.no('a big-endian host');
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + address);
    if (!messages) return null;
    const space = messages.find((m) => m.type === MSG_DATASPACE);
    const dtype = messages.find((m) => m.type === MSG_DATATYPE);
    const layout = messages.find((m) => m.type === MSG_LAYOUT);
    // HDF5 classifies an object by its messages, a group first (H5Oint.c H5O__obj_class_real: link info or
    // symbol table), so a dataset header holding one is opened as a group by netCDF-C; epp refuses it.
    if ((space || layout) && messages.some((m) => m.type === MSG_LINK_INFO || m.type === MSG_SYMBOL_TABLE))
      throw this.corrupt('an object header with both dataset and group messages', 'object header', address);
    if (!space || !dtype || !layout) {
      // A dataset missing one of its three messages is damaged (netCDF-C fails on it), and an object that is
      // neither a dataset, a group nor a committed datatype is nothing netCDF writes.
      if (space || layout)
        throw this.corrupt(
          `a dataset object header without its ${!space ? 'dataspace' : !dtype ? 'datatype' : 'data layout'} message`,
          'object header',
          address,
        );
      if (!dtype && !messages.some((m) => GROUP_MESSAGES.has(m.type)))
        throw this.corrupt(
          `an object header with neither dataset, group nor datatype messages (types ${[...new Set(messages.map((m) => m.type))].join(', ')})`,
          'object header',
          address,
        );
      this.declined = 'not a dataset';
      return null;
    }
    this.where = { structure: 'dataspace message', offset: address };
    const extent = this.dataspace(space.data);
    this.where = { structure: 'datatype message', offset: address };
    const problem = typeProblem(dtype.data, this.offsetSize);
    if (problem) throw new UnsupportedNetcdfError(this.path, `${problem} (datatype at byte ${address})`);
    const type = datatype(dtype.data);
    if (!extent) return this.no('a null dataspace');
    if (!type) return this.no('a VAX-order float datatype');
    const list = this.attributeList(messages);
    if (!list) return null;
    const attrs = new Map<string, unknown>();
    const raw = new Map<string, Uint8Array>();
    let dimRefs: (number | null)[] | null = null;
    const allDimRefs: number[] = [];
    for (const a of list) {
      raw.set(a.name, a.raw);
      if (a.name === 'DIMENSION_LIST' && want.has(a.name)) {
        dimRefs = this.dimensionList(a.raw, allDimRefs);
        if (!dimRefs) return this.no('a DIMENSION_LIST attribute of another type');
      } else if (want.has(a.name)) {
        const value = this.attributeValue(a.raw);
        if (value === undefined) return this.no(`attribute '${a.name}' of a type outside netCDF's`);
        attrs.set(a.name, value);
      }
    }
    this.where = { structure: 'data layout message', offset: address };
    const layoutClass = this.uint(layout.data, 1, 1);
    const chunks =
      layoutClass === 2
        ? this.layoutChunkDims(layout.data, extent.shape.length)
        : layoutClass <= 1
          ? null
          : undefined;
    if (chunks === undefined) return this.no(`data layout class ${layoutClass}`);
    return {
      meta: { ...type, ...extent, chunks },
      names: list.map((a) => a.name),
      attrs,
      raw,
      dimRefs,
      allDimRefs,
    };
  }

  /** A dataspace message (IV.A.2.b): rank ≤ 32, and each maximum at least its current size. */
  private dataspace(d: Uint8Array): { shape: number[]; maxshape: number[] } | null {
    const L = this.lengthSize;
    const version = this.uint(d, 0, 1);
    const rank = this.uint(d, 1, 1);
    const flags = this.uint(d, 2, 1);
    if (version !== 1 && version !== 2) throw this.corrupt(`dataspace version ${version}`);
    // Version 2 names its class (0 scalar, 1 simple, 2 null); only a simple dataspace has dimensions
    // (H5Osdspace.c H5O__sdspace_decode).
    if (version === 2 && d[3] !== 1 && rank > 0)
      throw this.corrupt(
        `dataspace class ${d[3]} with rank ${rank} (only a simple dataspace has dimensions)`,
      );
    if (version === 2 && d[3] > 2) throw this.corrupt(`dataspace class ${d[3]}`);
    if (version === 2 && d[3] === 2) return null; // null dataspace
    if (rank > 32) throw this.corrupt(`rank ${rank} (HDF5 allows 32)`);
    const at = version === 1 ? 8 : 4;
    const need = at + L * rank * (flags & 1 ? 2 : 1);
    if (need > d.length)
      throw this.corrupt(`dataspace of rank ${rank} needs ${need} bytes, its message holds ${d.length}`);
    const shape = Array.from({ length: rank }, (_, i) => this.uint(d, at + L * i, L));
    const maxshape =
      flags & 1
        ? Array.from({ length: rank }, (_, i) =>
            this.isUndefined(d, at + L * (rank + i), L) ? 2 ** 64 : this.uint(d, at + L * (rank + i), L),
          )
        : shape.slice();
    if (maxshape.some((m, i) => m < shape[i]))
      throw this.corrupt(`dimensions [${shape.join(', ')}] exceed their maxima [${maxshape.join(', ')}]`);
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

  /**
   * The attributes of an object header, compact (attribute messages) or dense (IV.A.2.v attribute info:
   * fractal heap + name-index version-2 B-tree of type 8), in h5wasm's order: creation order when the header
   * indexes it, else names in strcmp (byte) order (get_attribute_names → H5Aiterate).
   */
  private attributeList(messages: Message[]): { name: string; raw: Uint8Array }[] | null {
    const list: { name: string; raw: Uint8Array; order: number }[] = [];
    for (const m of messages) {
      if (m.type !== MSG_ATTRIBUTE) continue;
      this.where = { structure: 'attribute message', offset: m.at };
      const a = this.attribute(m.data);
      if (!a) return null;
      list.push({ ...a, order: m.order });
    }
    const info = messages.find((m) => m.type === MSG_ATTR_INFO);
    if (info) {
      const O = this.offsetSize;
      const d = info.data;
      this.where = { structure: 'attribute info message', offset: -1 };
      const at = 2 + (this.uint(d, 1, 1) & 1 ? 2 : 0);
      if (!this.isUndefined(d, at, O)) {
        const heap = this.fractalHeap(this.base + this.uint(d, at, O));
        if (!heap) return null;
        const records = this.denseRecords(this.base + this.uint(d, at + O, O), 8);
        if (!records) return null;
        for (const r of records) {
          // Type-8 record: heap ID, message flags (1), creation order (4), name hash (4).
          if (r[heap.idLength] & 0x02) return this.no('shared attributes in dense storage');
          const obj = this.heapObject(heap, r.subarray(0, heap.idLength));
          if (!obj) return null;
          const a = this.attribute(obj);
          if (!a) return null;
          list.push({ ...a, order: this.uint(r, heap.idLength + 1, 4) });
        }
      }
    }
    if (messages.some((m) => m.indexed)) list.sort((a, b) => a.order - b.order);
    else list.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    return list;
  }

  /** An attribute message's name and the bytes from its datatype on (type, space, data); null if shared. */
  private attribute(d: Uint8Array): { name: string; raw: Uint8Array } | null {
    this.where = { structure: 'attribute message', offset: this.where.offset };
    const version = this.uint(d, 0, 1);
    const flags = this.uint(d, 1, 1);
    if (version < 1 || version > 3) throw this.corrupt(`attribute message version ${version}`);
    // Versions 2 and 3 define two flags (shared datatype, shared dataspace); HDF5 refuses others (H5Oattr.c).
    if (version > 1 && flags & ~3) throw this.corrupt(`attribute message flags ${flags} set reserved bits`);
    if (version > 1 && flags & 3) return this.no('shared attribute datatypes');
    const nameSize = this.uint(d, 2, 2);
    const typeSize = this.uint(d, 4, 2);
    const spaceSize = this.uint(d, 6, 2);
    const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    let at = version === 3 ? 9 : 8;
    // The stored name ends with its NUL (H5O_attr_decode); what precedes it must be a netCDF name.
    const stored = this.slice(d, at, nameSize);
    if (nameSize < 2 || stored[nameSize - 1] !== 0) throw this.corrupt('attribute name without its NUL');
    const name = decodeName(stored.subarray(0, nameSize - 1));
    if (name === null) throw this.corrupt(`attribute with ${nameProblem(stored.subarray(0, nameSize - 1))}`);
    at += pad(nameSize);
    const typeAt = at;
    const spaceAt = typeAt + pad(typeSize);
    const dataAt = spaceAt + pad(spaceSize);
    if (dataAt > d.length) throw this.corrupt(`attribute '${name}' runs past its message`);
    // HDF5 decodes the dataspace of every attribute, netCDF-C's hidden ones too, and its data must fit in the
    // message (H5Oattr.c H5O__attr_decode: nelmts × datatype size, H5_IS_BUFFER_OVERFLOW).
    const space = this.dataspace(d.subarray(spaceAt, spaceAt + spaceSize));
    const need = (space ? product(space.shape) : 0) * this.uint(d, typeAt + 4, 4);
    this.where = { structure: 'attribute message', offset: this.where.offset };
    if (need > d.length - dataAt)
      throw this.corrupt(
        `attribute '${name}' holds ${d.length - dataAt} bytes of data, its dataspace and datatype need ${need}`,
      );
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
    const problem = typeProblem(raw.subarray(4, 4 + typeSize), this.offsetSize);
    if (problem) throw new UnsupportedNetcdfError(this.path, `${problem} in an attribute`);
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

  /**
   * DIMENSION_LIST: per dimension a variable-length list of object references in the global heap. Returns the
   * first reference of each dimension; `all` receives every reference (netCDF-C follows each one).
   */
  private dimensionList(raw: Uint8Array, all: number[]): (number | null)[] | null {
    const O = this.offsetSize;
    const typeSize = raw[0] | (raw[1] << 8);
    const spaceSize = raw[2] | (raw[3] << 8);
    const t = raw.subarray(4, 4 + typeSize);
    // vlen sequence (class 9, type 0) of object references (class 7, type 0) of the offset size.
    const problem =
      typeProblem(t, O) ?? (t.length >= 16 ? typeProblem(t.subarray(8), O) : 'a short datatype');
    if (problem) throw this.corrupt(`DIMENSION_LIST has ${problem}`, 'attribute message');
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
      if (!obj || obj.length < O * length) return null;
      out.push(this.base + this.uint(obj, 0, O));
      for (let k = 0; k < length; k++) all.push(this.base + this.uint(obj, k * O, O));
    }
    return out;
  }

  private readonly heaps = new Map<number, Buffer>();

  /** An object of a global heap collection (III.E): "GCOL", version, collection size, then the objects. */
  private globalHeapObject(address: number, index: number): Uint8Array | null {
    const L = this.lengthSize;
    const structure = 'global heap collection';
    let heap = this.heaps.get(address);
    if (!heap) {
      const head = this.readAt(address, 8 + L, structure);
      if (head.toString('latin1', 0, 4) !== 'GCOL')
        throw this.corrupt('no global heap signature', structure, address);
      heap = this.readAt(address, this.uint(head, 8, L), structure);
      this.heaps.set(address, heap);
    }
    this.where = { structure, offset: address };
    let at = 8 + L;
    while (at + 8 + L <= heap.length) {
      const id = heap[at] | (heap[at + 1] << 8);
      if (id === 0) break; // free space: the rest of the collection
      const size = this.uint(heap, at + 8, L);
      if (id === index) return this.slice(heap, at + 8 + L, size);
      at += 8 + L + Math.ceil(size / 8) * 8;
    }
    throw this.corrupt(`no object ${index} in the collection`, structure, address);
  }

  /**
   * Copy the hyperslab `start`/`count` of a dataset of shape `shape` into `out` (row-major, product(count)
   * values of the stored type, converted to host byte order). Unwritten chunks read as the fill value.
   */
  read(plan: ChunkPlan, shape: number[], start: number[], count: number[], out: NumericArray): void {
    const rank = shape.length;
    const { chunk } = plan;
    if (product(count) === 0) return;
    if (plan.compact || plan.contiguous) {
      this.readContiguous(plan, shape, start, count, out);
      return;
    }
    const first = start.map((s, d) => Math.floor(s / chunk[d]));
    const last = start.map((s, d) => Math.floor((s + count[d] - 1) / chunk[d]));
    const idx = first.slice();
    const ctor = out.constructor as ArrayCtor;
    // Unshuffled chunks land in one buffer reused for every chunk of this read (copied out right after).
    const chunkBytes = product(chunk) * plan.elem;
    let scratch: Uint8Array | undefined;
    let fillChunk: NumericArray | undefined;
    const cstride = rowStrides(chunk);
    const ostride = rowStrides(count);
    for (;;) {
      const origin = idx.map((i, d) => i * chunk[d]);
      const entry = plan.chunks.get(origin.join(','));
      const data = entry
        ? this.decode(plan, entry, ctor, (scratch ??= new Uint8Array(chunkBytes)))
        : (fillChunk ??= filled(ctor, plan, product(chunk)));
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
   * Contiguous or compact data: the bytes from the selection's first to its last element in one positioned
   * read (straight into the output when the selection is contiguous), then the hyperslab. The span is at
   * most the dataset, whose size chunkPlan checked against the file.
   */
  private readContiguous(
    plan: ChunkPlan,
    shape: number[],
    start: number[],
    count: number[],
    out: NumericArray,
  ): void {
    const { first, span } = hyperslabSpan(shape, start, count);
    const n = product(count);
    const e = plan.elem;
    const ctor = out.constructor as ArrayCtor;
    const block = span === n ? out : new ctor(new ArrayBuffer(span * e), 0, span);
    const bytes = new Uint8Array(block.buffer, block.byteOffset, span * e);
    if (plan.compact) bytes.set(plan.compact.subarray(first * e, (first + span) * e));
    else if (plan.contiguous!.address < 0) bytes.set(fillBytes(plan.fill, span));
    else this.readInto(bytes, plan.contiguous!.address + first * e);
    if (!plan.littleEndian && e > 1) swapBytes(bytes, e);
    if (block !== out) copyHyperslab(block, shape, start, count, out, 0, first);
  }

  private readInto(buf: Uint8Array, pos: number): void {
    readFully(this.fd, buf, pos, this.path);
  }

  /**
   * One stored chunk through its filters in reverse order (fletcher32 checked and removed, deflate inflated
   * to at most the chunk's size, shuffle undone). Whatever does not come out at exactly the chunk's size, or
   * fails its checksum, is corrupt (HDF5 H5Z pipeline; H5Zdeflate.c, H5Zfletcher32.c).
   */
  private decode(plan: ChunkPlan, entry: ChunkEntry, ctor: ArrayCtor, scratch: Uint8Array): NumericArray {
    const where = 'chunk';
    const n = product(plan.chunk);
    const chunkBytes = n * plan.elem;
    let buf: Uint8Array = this.readAt(entry.address, entry.size, where);
    let filtered = false;
    for (let i = plan.filters.length - 1; i >= 0; i--) {
      if (entry.mask & (1 << i)) continue;
      const f = plan.filters[i];
      filtered = true;
      if (f.id === FILTER_FLETCHER32) {
        if (buf.length < 4)
          throw this.corrupt('fletcher32 chunk shorter than its checksum', where, entry.address);
        const body = buf.subarray(0, buf.length - 4);
        const t = buf.subarray(buf.length - 4);
        const stored = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0;
        // HDF5 before 1.6.3 stored the sum with its bytes swapped in pairs; it accepts both.
        const reversed = (t[1] | (t[0] << 8) | (t[3] << 16) | (t[2] << 24)) >>> 0;
        const sum = fletcher32(body);
        if (sum !== stored && sum !== reversed)
          throw this.corrupt('fletcher32 checksum mismatch', where, entry.address);
        buf = body;
      } else if (f.id === FILTER_DEFLATE) {
        // Capped at the chunk's size (plus the checksums of fletcher32 filters applied before deflate when
        // writing): a stream that inflates to more is corrupt, and no zlib bomb gets further than that.
        let cap = chunkBytes;
        for (let j = 0; j < i; j++)
          if (plan.filters[j].id === FILTER_FLETCHER32 && !(entry.mask & (1 << j))) cap += 4;
        try {
          buf = inflateSync(buf, { chunkSize: Math.max(64, cap + 64), maxOutputLength: cap });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const problem =
            code === 'ERR_BUFFER_TOO_LARGE'
              ? `deflate stream inflates to more than the chunk's ${cap} bytes`
              : `deflate stream does not decode (${code ?? 'zlib error'})`;
          throw new CorruptNetcdfError(this.path, where, entry.address, problem, { cause: err });
        }
      } else buf = unshuffle(buf, plan.elem, buf.length === scratch.length ? scratch : undefined);
    }
    if (buf.length !== chunkBytes)
      throw this.corrupt(
        `${filtered ? 'decodes' : 'is stored'} to ${buf.length} bytes, the chunk holds ${chunkBytes}`,
        where,
        entry.address,
      );
    if (buf.byteOffset % plan.elem !== 0) buf = buf.slice(0, chunkBytes);
    if (!plan.littleEndian && plan.elem > 1) swapBytes(buf.subarray(0, chunkBytes), plan.elem);
    return new ctor(buf.buffer, buf.byteOffset, n);
  }

  /** `len` bytes from byte `pos`, which must lie inside the file; `structure` names them in errors. */
  private readAt(pos: number, len: number, structure = this.where.structure): Buffer {
    this.within(pos, len, structure);
    this.where = { structure, offset: pos };
    const buf = Buffer.allocUnsafe(len);
    readFully(this.fd, buf, pos, this.path);
    return buf;
  }

  /** A little-endian unsigned field of `size` bytes at `at`; past the end of `b` or above 2^53 → corrupt. */
  private uint(b: Uint8Array, at: number, size: number): number {
    if (at < 0 || at + size > b.length)
      throw this.corrupt(`a ${size}-byte field at offset ${at} runs past the structure's ${b.length} bytes`);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i];
    if (!Number.isSafeInteger(v) && !this.isUndefined(b, at, size))
      throw this.corrupt(`a ${size}-byte field at offset ${at} holds ${v}, beyond any file size`);
    return v;
  }

  private isUndefined(b: Uint8Array, at: number, size: number): boolean {
    if (at < 0 || at + size > b.length)
      throw this.corrupt(
        `a ${size}-byte address at offset ${at} runs past the structure's ${b.length} bytes`,
      );
    for (let i = 0; i < size; i++) if (b[at + i] !== 0xff) return false;
    return true;
  }

  /**
   * Superblock at byte 0 (open.ts checked the signature there): sizes of offsets/lengths, base address, root
   * group address (III.A; versions 2 and 3 carry a lookup3 checksum, verified). A file shorter than the
   * end-of-file address it records is truncated.
   */
  private readSuperblock(): boolean {
    const structure = 'HDF5 superblock';
    const b = this.readAt(0, Math.min(this.size, 96), structure);
    const version = this.uint(b, 8, 1);
    let at: number;
    if (version <= 1) {
      this.offsetSize = this.uint(b, 13, 1);
      this.lengthSize = this.uint(b, 14, 1);
      at = version === 0 ? 24 : 28;
    } else if (version <= 3) {
      this.offsetSize = this.uint(b, 9, 1);
      this.lengthSize = this.uint(b, 10, 1);
      at = 12;
    } else {
      this.no(`HDF5 superblock version ${version}`);
      return false;
    }
    if (![2, 4, 8].includes(this.offsetSize) || ![2, 4, 8].includes(this.lengthSize)) {
      const bad = `offset size ${this.offsetSize}, length size ${this.lengthSize} (each must be 2, 4 or 8)`;
      this.offsetSize = 0;
      throw this.corrupt(bad, structure, 0);
    }
    const O = this.offsetSize;
    if (version >= 2) {
      const end = 12 + 4 * O;
      const stored = this.uint(b, end, 4);
      if (lookup3(this.slice(b, 0, end)) !== stored) {
        this.offsetSize = 0;
        throw this.corrupt('checksum mismatch', structure, 0);
      }
    }
    const b2 = this.slice(b, at, 6 * O);
    this.base = this.uint(b2, 0, O);
    const eof = this.uint(b2, 2 * O, O);
    if (this.base + eof > this.size) {
      this.offsetSize = 0;
      throw this.corrupt(
        `the file is truncated: it records ${this.base + eof} bytes and has ${this.size}`,
        structure,
        0,
      );
    }
    // HDF5 reads nothing past the end-of-allocation address it records (H5FD "addr overflow"): neither do we.
    this.size = this.base + eof;
    // Addresses HDF5 follows when it opens a file: the superblock extension (in versions 0/1 the 'free-space
    // info' field is read as it) and the version-0/1 driver information block (III.A, III.B). Each must be
    // undefined or inside the file: netCDF-C answers "HDF error" otherwise.
    const followed: [string, number][] = [['superblock extension', 1]];
    if (version <= 1) followed.push(['driver information block', 3]);
    for (const [what, k] of followed) {
      if (this.isUndefined(b2, k * O, O)) continue;
      const addr = this.uint(b2, k * O, O);
      if (this.base + addr >= this.size) {
        this.offsetSize = 0;
        throw this.corrupt(
          `the ${what} address ${addr} is past the end of the file (${this.size} bytes)`,
          structure,
          0,
        );
      }
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
    if (!info) return this.no('an old-style (symbol table) root group');
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
  /** Attribute names of the root group's header. */
  rootAttributeNames(): string[] | null {
    return this.rootAttributes()?.map((a) => a.name) ?? null;
  }

  /** The root group's attributes (names and encoded values for `attributeValue`), in h5wasm's order. */
  rootAttributes(): { name: string; raw: Uint8Array }[] | null {
    if (!this.offsetSize && !this.readSuperblock()) return null;
    const messages = this.objectHeader(this.base + this.rootAddress);
    if (!messages) return null;
    return this.attributeList(messages);
  }

  /** A link message (IV.A.2.g): name, creation order, and the address of a hard link's object. */
  private link(d: Uint8Array): Link | null {
    this.where = { structure: 'link message', offset: -1 };
    if (d[0] !== 1) throw this.corrupt(`link message version ${d[0]}`);
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
    const name = decodeName(this.slice(d, at, len));
    if (name === null || cset > 1)
      throw this.corrupt(`link with ${nameProblem(this.slice(d, at, len)) ?? `character set ${cset}`}`);
    at += len;
    if (type !== 0) return { name, order };
    return { name, order, address: this.uint(d, at, this.offsetSize) };
  }

  /** Links in dense storage: the name index (a version-2 B-tree of type 5) → heap IDs → link messages. */
  private denseLinks(heapAddress: number, btreeAddress: number): Link[] | null {
    const heap = this.fractalHeap(heapAddress);
    if (!heap) return null;
    const records = this.denseRecords(btreeAddress, 5);
    if (!records) return null;
    const links: Link[] = [];
    for (const r of records) {
      // Type-5 record: name hash (4), heap ID.
      const obj = this.heapObject(heap, r.subarray(4));
      const link = obj && this.link(obj);
      if (!link) return this.declined ? null : this.no('a link of another kind');
      links.push(link);
    }
    return links;
  }

  /**
   * All records of a version-2 B-tree (III.A.2) of the given type: leaves and internal nodes, every node's
   * lookup3 checksum verified, record counts bounded by what a node of the header's size can hold, no node
   * visited twice. Node geometry as HDF5 computes it (H5B2hdr.c H5B2__hdr_init, H5B2pkg.h).
   */
  private denseRecords(btreeAddress: number, type: number): Uint8Array[] | null {
    const O = this.offsetSize;
    const L = this.lengthSize;
    const structure = 'version-2 B-tree header';
    const size = 18 + O + L;
    const h = this.readAt(btreeAddress, size + 4, structure);
    if (h.toString('latin1', 0, 4) !== 'BTHD' || h[4] !== 0)
      throw this.corrupt('no B-tree header signature', structure, btreeAddress);
    if (lookup3(h.subarray(0, size)) !== this.uint(h, size, 4))
      throw this.corrupt('checksum mismatch', structure, btreeAddress);
    if (h[5] !== type)
      throw this.corrupt(`B-tree of type ${h[5]}, expected ${type}`, structure, btreeAddress);
    const nodeSize = this.uint(h, 6, 4);
    const recordSize = this.uint(h, 10, 2);
    const depth = this.uint(h, 12, 2);
    const root = this.base + this.uint(h, 16, O);
    const nRecords = this.uint(h, 16 + O, 2);
    if (recordSize < 1 || nodeSize <= 10 + recordSize || depth > 16)
      throw this.corrupt(
        `node size ${nodeSize}, record size ${recordSize}, depth ${depth}`,
        structure,
        btreeAddress,
      );
    if (nRecords === 0) return [];
    // Per level: most records a node holds, cumulative most below it, and their encoded sizes.
    const encSize = (n: number) => Math.floor(Math.log2(n) / 8) + 1; // H5VM_limit_enc_size
    const maxLeaf = Math.floor((nodeSize - 10) / recordSize);
    const maxNrecSize = encSize(maxLeaf);
    const levels = [{ max: maxLeaf, cum: maxLeaf, cumSize: 0, pointer: 0 }];
    for (let d = 1; d <= depth; d++) {
      const pointer = O + maxNrecSize + (d > 1 ? levels[d - 1].cumSize : 0);
      const max = Math.floor((nodeSize - 10 - pointer) / (recordSize + pointer));
      const cum = (max + 1) * levels[d - 1].cum + max;
      levels.push({ max, cum, cumSize: encSize(cum), pointer });
    }
    const out: Uint8Array[] = [];
    const seen = new Set<number>();
    const visit = (address: number, d: number, n: number): void => {
      const what = d === 0 ? 'version-2 B-tree leaf' : 'version-2 B-tree internal node';
      if (seen.has(address)) throw this.corrupt('node visited twice', what, address);
      seen.add(address);
      if (n > levels[d].max) throw this.corrupt(`${n} records, a node holds ${levels[d].max}`, what, address);
      const { pointer } = levels[d];
      const body = 6 + n * recordSize + (d > 0 ? (n + 1) * pointer : 0);
      const b = this.readAt(address, body + 4, what);
      if (b.toString('latin1', 0, 4) !== (d === 0 ? 'BTLF' : 'BTIN') || b[4] !== 0 || b[5] !== type)
        throw this.corrupt('no node signature', what, address);
      if (lookup3(b.subarray(0, body)) !== this.uint(b, body, 4))
        throw this.corrupt('checksum mismatch', what, address);
      for (let i = 0; i < n; i++) out.push(b.subarray(6 + i * recordSize, 6 + (i + 1) * recordSize));
      if (d === 0) return;
      for (let i = 0; i <= n; i++) {
        const at = 6 + n * recordSize + i * pointer;
        visit(this.base + this.uint(b, at, O), d - 1, this.uint(b, at + O, maxNrecSize));
      }
    };
    visit(root, depth, nRecords);
    return out;
  }

  /** A fractal heap header (III.G), checksum verified; heaps with I/O filters or checksummed blocks: null. */
  private fractalHeap(address: number): FractalHeap | null {
    const O = this.offsetSize;
    const L = this.lengthSize;
    const structure = 'fractal heap header';
    const size = 4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8 * L + 2 + L + L + 2 + 2 + O + 2;
    const h = this.readAt(address, size + 4, structure);
    if (h.toString('latin1', 0, 4) !== 'FRHP' || h[4] !== 0)
      throw this.corrupt('no fractal heap signature', structure, address);
    const idLength = this.uint(h, 5, 2);
    if (this.uint(h, 7, 2) !== 0) return this.no('a fractal heap with I/O filters');
    if (lookup3(h.subarray(0, size)) !== this.uint(h, size, 4))
      throw this.corrupt('checksum mismatch', structure, address);
    let at = 9 + 1;
    const maxManaged = this.uint(h, at, 4);
    at += 4 + L + O + L + O + 8 * L;
    const width = this.uint(h, at, 2);
    at += 2;
    const startBlock = this.uint(h, at, L);
    const maxDirect = this.uint(h, at + L, L);
    at += 2 * L;
    const maxHeapBits = this.uint(h, at, 2);
    at += 4; // maximum heap size, starting # of rows
    const rootBlock = this.uint(h, at, O);
    const rows = this.uint(h, at + O, 2);
    const pow2 = (x: number) => x > 0 && Number.isInteger(Math.log2(x));
    if (!pow2(startBlock) || !pow2(maxDirect) || maxDirect < startBlock || width === 0 || maxHeapBits > 64)
      throw this.corrupt('inconsistent block sizes', structure, address);
    if (idLength < 1 || idLength > 64) throw this.corrupt(`heap ID length ${idLength}`, structure, address);
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
      checksummed: (h[9] & 0x02) !== 0,
    };
  }

  /**
   * A managed object of a fractal heap by its heap ID: in the root direct block, or in a direct child of the
   * root indirect block (its checksum verified). The object must lie inside its direct block's data.
   */
  private heapObject(heap: FractalHeap, id: Uint8Array): Uint8Array | null {
    this.where = { structure: 'fractal heap ID', offset: -1 };
    if (id[0] >> 6 !== 0) throw this.corrupt(`heap ID version ${id[0] >> 6}`);
    if (((id[0] >> 4) & 3) !== 0) return this.no('huge or tiny fractal heap objects');
    const O = this.offsetSize;
    const offset = this.uint(id, 1, heap.offBytes);
    const length = this.uint(id, 1 + heap.offBytes, heap.lenBytes);
    let block = heap.rootBlock;
    let blockOffset = 0;
    let blockSize = heap.startBlock;
    if (heap.rows > 0) {
      // Root indirect block: rows of `width` blocks; rows 0 and 1 of startBlock bytes, then doubling.
      const structure = 'fractal heap indirect block';
      const maxDirectRows = Math.log2(heap.maxDirect) - Math.log2(heap.startBlock) + 2;
      const usable = Math.min(heap.rows, maxDirectRows);
      const head = 5 + O + heap.offBytes;
      const size = head + heap.rows * heap.width * O;
      const ib = this.readAt(heap.rootBlock, size + 4, structure);
      if (ib.toString('latin1', 0, 4) !== 'FHIB' || ib[4] !== 0)
        throw this.corrupt('no indirect block signature', structure, heap.rootBlock);
      if (lookup3(ib.subarray(0, size)) !== this.uint(ib, size, 4))
        throw this.corrupt('checksum mismatch', structure, heap.rootBlock);
      let row = 0;
      let rowStart = 0;
      for (; row < usable; row++) {
        blockSize = row < 2 ? heap.startBlock : heap.startBlock * 2 ** (row - 1);
        if (offset < rowStart + blockSize * heap.width) break;
        rowStart += blockSize * heap.width;
      }
      if (row >= usable) return this.no('fractal heap objects below an indirect block');
      const col = Math.floor((offset - rowStart) / blockSize);
      const at = head + (row * heap.width + col) * O;
      if (this.isUndefined(ib, at, O)) throw this.corrupt('heap ID points to an unallocated block');
      block = this.base + this.uint(ib, at, O);
      blockOffset = rowStart + col * blockSize;
    }
    const db = this.directBlock(heap, block, blockSize);
    const within = offset - blockOffset;
    if (within < 5 + O + heap.offBytes + (heap.checksummed ? 4 : 0) || within + length > blockSize)
      throw this.corrupt(
        `object of ${length} bytes at ${within} outside its ${blockSize}-byte block`,
        'fractal heap direct block',
        block,
      );
    return db.subarray(within, within + length);
  }

  private readonly directBlocks = new Map<number, Buffer>();

  /** A fractal heap direct block (III.G), read once; its checksum (computed with the field zeroed) verified. */
  private directBlock(heap: FractalHeap, block: number, size: number): Buffer {
    const cached = this.directBlocks.get(block);
    if (cached) return cached;
    const structure = 'fractal heap direct block';
    const b = this.readAt(block, size, structure);
    if (b.toString('latin1', 0, 4) !== 'FHDB' || b[4] !== 0)
      throw this.corrupt('no direct block signature', structure, block);
    if (heap.checksummed) {
      const at = 5 + this.offsetSize + heap.offBytes;
      const stored = this.uint(b, at, 4);
      const copy = Buffer.from(b);
      copy.fill(0, at, at + 4);
      if (lookup3(copy) !== stored) throw this.corrupt('checksum mismatch', structure, block);
    }
    this.directBlocks.set(block, b);
    return b;
  }

  /** The messages of an object header (version 1 or 2) including its continuation blocks. */
  private objectHeader(address: number): Message[] | null {
    if (!this.headers.has(address)) this.headers.set(address, this.parseHeader(address));
    return this.headers.get(address)!;
  }

  /**
   * An object header (IV.A.1 version 1, IV.A.2 version 2 with its lookup3 checksums verified) and its
   * continuation blocks, each read once; every message must lie inside its block.
   */
  private parseHeader(address: number): Message[] | null {
    const structure = 'object header';
    const out: Message[] = [];
    const O = this.offsetSize;
    const L = this.lengthSize;
    const head = this.readAt(address, Math.min(16, this.size - address), structure);
    const blocks: [number, number][] = [];
    let v2 = false;
    let trackOrder = false;
    let indexed = false;
    if (head[0] === 1) {
      blocks.push([address + 16, this.uint(head, 8, 4)]);
    } else if (head.toString('latin1', 0, 4) === 'OHDR') {
      if (head[4] !== 2) throw this.corrupt(`object header version ${head[4]}`, structure, address);
      v2 = true;
      const flags = head[5];
      trackOrder = (flags & 0x04) !== 0;
      indexed = (flags & 0x08) !== 0;
      let at = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const sizeBytes = 1 << (flags & 3);
      const h = this.readAt(address, at + sizeBytes, structure);
      const size = this.uint(h, at, sizeBytes);
      at += sizeBytes;
      // The first chunk: prefix, messages, then the checksum of both.
      const whole = this.readAt(address, at + size + 4, structure);
      if (lookup3(whole.subarray(0, at + size)) !== this.uint(whole, at + size, 4))
        throw this.corrupt('checksum mismatch', structure, address);
      blocks.push([address + at, size]);
    } else throw this.corrupt('no object header signature or version', structure, address);
    const seen = new Set<number>();
    let total = 0;
    for (let k = 0; k < blocks.length; k++) {
      const [pos, len] = blocks[k];
      if (seen.has(pos)) throw this.corrupt('object header continuation loops back', structure, pos);
      seen.add(pos);
      total += len;
      if (total > this.size) throw this.corrupt('object header larger than the file', structure, address);
      const b = this.readAt(pos, len, structure);
      let at = k > 0 && v2 ? 4 : 0; // OCHK signature of a version-2 continuation block
      if (v2 && k > 0) {
        if (b.toString('latin1', 0, 4) !== 'OCHK')
          throw this.corrupt('no continuation block signature', 'object header continuation', pos);
        if (len < 8 || lookup3(b.subarray(0, len - 4)) !== this.uint(b, len - 4, 4))
          throw this.corrupt('checksum mismatch', 'object header continuation', pos);
      }
      const end = v2 && k > 0 ? len - 4 : len; // a version-2 continuation block ends with its checksum
      const hdr = v2 ? 4 + (trackOrder ? 2 : 0) : 8;
      this.where = { structure, offset: pos };
      while (at + hdr <= end) {
        const type = v2 ? b[at] : b[at] | (b[at + 1] << 8);
        const size = v2 ? b[at + 1] | (b[at + 2] << 8) : b[at + 2] | (b[at + 3] << 8);
        const flags = v2 ? b[at + 3] : b[at + 4];
        if (at + hdr + size > end)
          throw this.corrupt(
            `message of type ${type} (${size} bytes) runs past its block`,
            structure,
            pos + at,
          );
        const data = b.subarray(at + hdr, at + hdr + size);
        this.checkMessage(type, flags, data, pos + at);
        if (flags & 0x02) return this.no('shared object header messages'); // stored elsewhere
        if (type === MSG_CONTINUATION)
          blocks.push([this.base + this.uint(data, 0, O), this.uint(data, O, L)]);
        else
          out.push({
            type,
            data,
            order: trackOrder ? b[at + 4] | (b[at + 5] << 8) : 0,
            at: pos + at + hdr,
            indexed,
          });
        at += hdr + size;
        if (!v2) at = (at + 7) & ~7;
      }
    }
    return out;
  }

  /**
   * What HDF5 checks of every message when it reads an object header (H5Ocache.c chunk_deserialize; spec
   * IV.A.1 message flags) and the versions of the messages epp otherwise skips (IV.A.2.f fill value, IV.A.2.r
   * group info, IV.A.2.v attribute info): netCDF-C answers "HDF error" for each, so epp refuses them too.
   */
  private checkMessage(type: number, flags: number, d: Uint8Array, at: number): void {
    const bad = (what: string) => this.corrupt(`message of type ${type}: ${what}`, 'object header', at);
    if (flags & 0x02 && flags & 0x04) throw bad('flagged both shared and not shareable');
    if (flags & 0x20 && flags & 0x08)
      throw bad('flagged both "was unknown" and "fail if unknown for writing"');
    if (flags & 0x20 && !(flags & 0x10)) throw bad('flagged "was unknown" without "mark if unknown"');
    // Only dataspace, datatype, fill value, filter pipeline and attribute messages can be shared.
    if (flags & 0x40 && ![0x01, 0x03, 0x05, 0x0b, 0x0c].includes(type)) throw bad('flagged shareable');
    if (!d.length) return;
    // Link info (IV.A.2.c), group info (IV.A.2.r) and attribute info (IV.A.2.v) exist in version 0 only.
    if (INFO_MESSAGES.has(type) && d[0] !== 0) throw bad(`version ${d[0]} (only 0 exists)`);
    // Their flags have two defined bits (H5O_LINFO/GINFO/AINFO_ALL_FLAGS); HDF5 refuses any other.
    if (INFO_MESSAGES.has(type) && d.length > 1 && d[1] & ~3) throw bad(`flags ${d[1]} set reserved bits`);
    if (type === MSG_FILL_VALUE) {
      if (d[0] < 1 || d[0] > 3) throw bad(`fill value message version ${d[0]}`);
      if (d[0] === 3 && d.length > 1) {
        if (d[1] & 0xc0) throw bad(`fill value flags ${d[1]} set reserved bits`);
        if (d[1] & 0x10 && d[1] & 0x20) throw bad('fill value both undefined and defined');
      }
    }
  }

  /** The filter pipeline message (IV.A.2.l, versions 1 and 2): each filter's id and whether it is optional. */
  private filters(d: Uint8Array): Filter[] | null {
    this.where = { structure: 'filter pipeline message', offset: -1 };
    const version = this.uint(d, 0, 1);
    const n = this.uint(d, 1, 1);
    const out: Filter[] = [];
    let at = version === 1 ? 8 : 2;
    if (version !== 1 && version !== 2) throw this.corrupt(`filter pipeline message version ${version}`);
    if (n > 32) throw this.corrupt(`${n} filters (HDF5 allows 32)`);
    for (let i = 0; i < n; i++) {
      const id = this.uint(d, at, 2);
      at += 2;
      let nameLen = 0;
      if (version === 1 || id >= 256) {
        nameLen = this.uint(d, at, 2);
        at += 2;
      }
      const flags = this.uint(d, at, 2);
      const nValues = this.uint(d, at + 2, 2);
      at += 4;
      at += version === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen;
      const values = Array.from({ length: Math.min(nValues, 16) }, (_, k) => this.uint(d, at + 4 * k, 4));
      at += 4 * nValues + (version === 1 && nValues % 2 ? 4 : 0);
      if (at > d.length) throw this.corrupt(`filter ${i} runs past the message`);
      out.push({ id, optional: (flags & 1) !== 0, values });
    }
    return out;
  }

  /**
   * Chunk dimensions and index of a chunked layout message (IV.A.2.i versions 3 and 4), the chunk B-tree
   * walked at once; null for other chunk indexes. Chunk dimensions must be positive and their bytes bounded.
   */
  private layout(
    d: Uint8Array,
    shape: number[],
    elem: number,
    filtered: boolean,
  ): { chunk: number[]; chunks: Map<string, ChunkEntry> } | null {
    const O = this.offsetSize;
    const rank = shape.length;
    const version = d[0];
    let chunk: number[];
    let at: number;
    if (version === 3) {
      if (d[2] !== rank + 1) throw this.corrupt(`layout of rank ${d[2] - 1} for a dataset of rank ${rank}`);
      chunk = Array.from({ length: rank }, (_, i) => this.uint(d, 3 + O + 4 * i, 4));
      at = 3 + O + 4 * rank;
      if (this.uint(d, at, 4) !== elem) throw this.corrupt(`chunk element size is not ${elem}`);
    } else {
      const enc = this.uint(d, 4, 1);
      if (d[3] !== rank + 1) throw this.corrupt(`layout of rank ${d[3] - 1} for a dataset of rank ${rank}`);
      if (enc < 1 || enc > 8) throw this.corrupt(`chunk dimension size of ${enc} bytes`);
      chunk = Array.from({ length: rank }, (_, i) => this.uint(d, 5 + enc * i, enc));
      if (this.uint(d, 5 + enc * rank, enc) !== elem) throw this.corrupt(`chunk element size is not ${elem}`);
      at = 5 + enc * (rank + 1);
    }
    const n = product(chunk) * elem;
    if (chunk.some((c) => c < 1) || n > 2 ** 32 || n > MAX_DEFLATE_RATIO * this.size)
      throw this.corrupt(`chunk dimensions [${chunk.join(', ')}] of ${elem}-byte elements`);
    const chunks = new Map<string, ChunkEntry>();
    if (version === 3) {
      if (!this.isUndefined(d, 3, O)) {
        const root = this.base + this.uint(d, 3, O);
        this.btree(root, { chunk, shape, elem, filtered }, chunks, -1, null, null, new Set());
      }
      return { chunk, chunks };
    }
    const flags = d[2];
    const index = this.uint(d, at, 1);
    if (index !== 1) return this.no(`chunk index type ${index} (only version-1 B-trees and single chunks)`);
    at += 1;
    let size = n;
    let mask = 0;
    if (flags & 0x02) {
      size = this.uint(d, at, this.lengthSize);
      mask = this.uint(d, at + this.lengthSize, 4);
      at += this.lengthSize + 4;
    } else if (filtered) throw this.corrupt('a filtered single chunk without its size');
    if (!this.isUndefined(d, at, O))
      chunks.set(chunk.map(() => 0).join(','), { address: this.base + this.uint(d, at, O), size, mask });
    return { chunk, chunks };
  }

  /**
   * Walk a version-1 B-tree of chunks (III.A.1, node type 1) and record every chunk by its element offsets.
   * Checked as HDF5 relies on them: node signature and type, each child one level below its parent, keys
   * strictly increasing and inside the parent's key range (HDF5 finds chunks by binary search on them), chunk
   * offsets multiples of the chunk dimensions inside the dataset, unfiltered chunks exactly the chunk's size,
   * and no node visited twice.
   */
  private btree(
    address: number,
    ds: { chunk: number[]; shape: number[]; elem: number; filtered: boolean },
    into: Map<string, ChunkEntry>,
    expectLevel: number,
    low: number[] | null,
    high: number[] | null,
    seen: Set<number>,
  ): void {
    const structure = 'chunk B-tree node';
    if (seen.has(address)) throw this.corrupt('the chunk B-tree visits this node twice', structure, address);
    seen.add(address);
    const O = this.offsetSize;
    const rank = ds.chunk.length;
    const head = this.readAt(address, 8 + 2 * O, structure);
    if (head.toString('latin1', 0, 4) !== 'TREE' || head[4] !== 1)
      throw this.corrupt('no chunk B-tree node signature', structure, address);
    const level = head[5];
    if (expectLevel >= 0 && level !== expectLevel)
      throw this.corrupt(
        `node of level ${level} under a node of level ${expectLevel + 1}`,
        structure,
        address,
      );
    const entries = head[6] | (head[7] << 8);
    const key = 8 + 8 * (rank + 1);
    const b = this.readAt(address + 8 + 2 * O, entries * (key + O) + key, structure);
    const keyAt = (i: number) =>
      Array.from({ length: rank + 1 }, (_, k) => this.uint(b, i * (key + O) + 8 + 8 * k, 8));
    const keys = Array.from({ length: entries + 1 }, (_, i) => keyAt(i));
    for (let i = 0; i <= entries; i++) {
      const k = keys[i];
      // The last key bounds the node from above (HDF5 writes the last chunk's offsets + the chunk size).
      if (i < entries && k[rank] !== 0)
        throw this.corrupt(`key ${i} has element offset ${k[rank]}`, structure, address);
      if (i > 0 && compareKeys(keys[i - 1], k) >= 0)
        throw this.corrupt(`keys ${i - 1} and ${i} are not in increasing order`, structure, address);
      if (i < entries && ((low && compareKeys(k, low) < 0) || (high && compareKeys(k, high) >= 0)))
        throw this.corrupt(`key ${i} lies outside its parent's range`, structure, address);
    }
    for (let i = 0; i < entries; i++) {
      const at = i * (key + O);
      const child = this.base + this.uint(b, at + key, O);
      if (level > 0) {
        this.btree(child, ds, into, level - 1, keys[i], i + 1 < entries ? keys[i + 1] : high, seen);
        continue;
      }
      const size = this.uint(b, at, 4);
      const mask = this.uint(b, at + 4, 4);
      const offsets = keys[i].slice(0, rank);
      if (offsets.some((o, d) => o % ds.chunk[d] !== 0 || o >= Math.max(ds.shape[d], 1)))
        throw this.corrupt(
          `chunk offsets [${offsets.join(', ')}] do not fit the dataset`,
          structure,
          address,
        );
      if (size < 1 || (!ds.filtered && size !== product(ds.chunk) * ds.elem))
        throw this.corrupt(`chunk at [${offsets.join(', ')}] has ${size} stored bytes`, structure, address);
      this.within(child, size, 'chunk');
      const id = offsets.join(',');
      if (into.has(id)) throw this.corrupt(`chunk [${id}] is indexed twice`, structure, address);
      into.set(id, { address: child, size, mask });
    }
  }
}

/** Lexicographic order of chunk B-tree keys (chunk offsets, then the element offset). */
function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
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

/**
 * Why a datatype message (IV.A.2.d) is not one this reader decodes exactly as HDF5 would, or null: integers
 * of 1/2/4/8 bytes at bit offset 0 with full precision; IEEE binary32/binary64 floats (sign bit, exponent and
 * mantissa where IEEE puts them, bias 127/1023, implied mantissa bit, no padding); strings and vlen strings;
 * vlen sequences of object references. HDF5 converts other layouts bit by bit, so reading their bytes
 * as IEEE would give other values than netCDF-C.
 */
export function typeProblem(d: Uint8Array, offsetSize: number): string | null {
  if (d.length < 8) return 'a datatype message shorter than 8 bytes';
  const cls = d[0] & 0x0f;
  const version = d[0] >> 4;
  const bits = d[1] | (d[2] << 8) | (d[3] << 16);
  const size = d[4] | (d[5] << 8) | (d[6] << 16) | (d[7] << 24);
  const u16 = (at: number) => d[at] | (d[at + 1] << 8);
  if (version < 1 || version > 3) return `datatype version ${version}`;
  if (cls === H5T_INTEGER) {
    if (![1, 2, 4, 8].includes(size)) return `a ${size}-byte integer type`;
    if (d.length < 12 || u16(8) !== 0 || u16(10) !== 8 * size) return 'an integer type with padding bits';
    if (bits & 0x06) return 'an integer type with padding bits';
    return null;
  }
  if (cls === H5T_FLOAT) {
    const ieee: Record<number, number[]> = { 4: [23, 8, 0, 23, 127], 8: [52, 11, 0, 52, 1023] };
    const want = ieee[size];
    if (!want || d.length < 20) return `a ${size}-byte floating-point type`;
    const got = [d[12], d[13], d[14], d[15], d[16] | (d[17] << 8) | (d[18] << 16) | (d[19] << 24)];
    const sign = (bits >> 8) & 0xff;
    if (bits & 0x4e || ((bits >> 4) & 3) !== 2 || sign !== 8 * size - 1)
      return 'a non-IEEE floating-point type';
    if (u16(8) !== 0 || u16(10) !== 8 * size || got.some((g, i) => g !== want[i]))
      return 'a non-IEEE floating-point type';
    return null;
  }
  if (cls === H5T_STRING)
    return size < 1
      ? 'a string type of size 0'
      : (bits & 0x0f) > 2 || bits >> 4 > 1
        ? 'a string type of another padding or character set'
        : null;
  if (cls === H5T_VLEN) return size !== 4 + offsetSize + 4 ? `a variable-length type of size ${size}` : null;
  if (cls === 7) return size !== offsetSize ? `a reference type of size ${size}` : null;
  return null; // other classes: not netCDF classic types (skipped by ncType)
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

/** `n` elements of the fill value `fill` (one element's bytes). */
function fillBytes(fill: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * fill.length);
  if (fill.some((b) => b !== 0)) for (let i = 0; i < n; i++) out.set(fill, i * fill.length);
  return out;
}

/** A chunk of `n` fill values in host byte order (`fill` is in the file's byte order, like the data). */
function filled(ctor: ArrayCtor, plan: ChunkPlan, n: number): NumericArray {
  const bytes = fillBytes(plan.fill, n);
  if (!plan.littleEndian && plan.elem > 1) swapBytes(bytes, plan.elem);
  return new ctor(bytes.buffer, 0, n);
}

function swapBytes(bytes: Uint8Array, elem: number): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (elem === 2) b.swap16();
  else if (elem === 4) b.swap32();
  else if (elem === 8) b.swap64();
}

/** H5Literate's order: creation order when the group indexes it, else names in strcmp (byte) order. */
function sortLinks(links: Link[], byCreation: boolean): Link[] {
  if (byCreation) return links.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  return links.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}
