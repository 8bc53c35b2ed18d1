/**
 * Direct reads of chunked HDF5 datasets: the chunk index (version-1 B-tree, data layout message version 3, or
 * a single-chunk version-4 layout) is parsed from the dataset's object header, each chunk needed by a
 * hyperslab is read with a positioned read and decoded with node:zlib (deflate) and the HDF5 shuffle filter,
 * then copied into the output. HDF5 File Format Specification 3.0 (III.A superblock, IV.A object headers,
 * IV.A.2.i data layout, IV.A.2.l filter pipeline, III.A.1 version-1 B-trees). Anything outside that subset
 * (other filters, unallocated chunks, other chunk indexes, big-endian hosts) makes `chunkPlan` return null
 * and the caller reads through h5wasm instead.
 */
import { readSync } from 'node:fs';
import { endianness } from 'node:os';
import { inflateSync } from 'node:zlib';
import { InvalidNetcdfError } from '../contracts/errors.js';
import { product, type NumericArray } from './store.js';

const FILTER_DEFLATE = 1;
const FILTER_SHUFFLE = 2;
const MSG_CONTINUATION = 0x10;
const MSG_LAYOUT = 0x08;
const MSG_FILTERS = 0x0b;

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
}

/** A typed-array constructor for the output type; the chunk bytes are viewed through it. */
type ArrayCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray;

/** Thrown when a chunk needed by a read is not stored (its fill value would be needed): read via h5wasm. */
export class ChunkFallback extends Error {}

export class H5ChunkReader {
  private offsetSize = 0;
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
    const parsed = this.layout(layout.data, rank, elem, filters.length > 0);
    if (!parsed) return null;
    return { chunk: parsed.chunk, elem, littleEndian, filters, chunks: parsed.chunks };
  }

  /**
   * Copy the hyperslab `start`/`count` of a dataset of shape `shape` into `out` (row-major, product(count)
   * values of the stored type, converted to host byte order).
   */
  read(plan: ChunkPlan, shape: number[], start: number[], count: number[], out: NumericArray): void {
    const rank = shape.length;
    const { chunk } = plan;
    if (product(count) === 0) return;
    const first = start.map((s, d) => Math.floor(s / chunk[d]));
    const last = start.map((s, d) => Math.floor((s + count[d] - 1) / chunk[d]));
    const idx = first.slice();
    const ctor = out.constructor as ArrayCtor;
    const cstride = strides(chunk);
    const ostride = strides(count);
    for (;;) {
      const origin = idx.map((i, d) => i * chunk[d]);
      const entry = plan.chunks.get(origin.join(','));
      if (!entry) throw new ChunkFallback(`chunk at [${origin.join(', ')}] is not stored`);
      const data = this.decode(plan, entry, ctor);
      copyChunk(data, origin, chunk, cstride, start, count, ostride, out);
      let d = rank - 1;
      while (d >= 0 && ++idx[d] > last[d]) {
        idx[d] = first[d];
        d--;
      }
      if (d < 0) break;
    }
  }

  private decode(plan: ChunkPlan, entry: ChunkEntry, ctor: ArrayCtor): NumericArray {
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
            : unshuffle(buf, plan.elem);
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
    let done = 0;
    while (done < len) {
      const got = readSync(this.fd, buf, done, len - done, pos + done);
      if (got === 0)
        throw new InvalidNetcdfError(`${this.path}: unexpected end of file at byte ${pos + done}`);
      done += got;
    }
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
    this.base = this.uint(this.readAt(at, this.offsetSize), 0, this.offsetSize);
    return true;
  }

  /** The messages of an object header (version 1 or 2) including its continuation blocks. */
  private objectHeader(address: number): { type: number; data: Uint8Array }[] | null {
    const out: { type: number; data: Uint8Array }[] = [];
    const O = this.offsetSize;
    const L = this.lengthSize;
    const head = this.readAt(address, 16);
    const blocks: [number, number][] = [];
    let v2 = false;
    let trackOrder = false;
    if (head[0] === 1) {
      blocks.push([address + 16, this.uint(head, 8, 4)]);
    } else if (head.toString('latin1', 0, 4) === 'OHDR' && head[4] === 2) {
      v2 = true;
      const flags = head[5];
      trackOrder = (flags & 0x04) !== 0;
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
        else out.push({ type, data });
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

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Copy the part of one chunk (at `origin`) that lies inside the selection into the output, row by row. */
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
  const inner = hi[rank - 1] - lo[rank - 1];
  const i = lo.slice();
  for (;;) {
    let s = 0;
    let o = 0;
    for (let d = 0; d < rank; d++) {
      s += (i[d] - origin[d]) * cstride[d];
      o += (i[d] - start[d]) * ostride[d];
    }
    out.set(src.subarray(s, s + inner), o);
    let d = rank - 2;
    while (d >= 0 && ++i[d] >= hi[d]) {
      i[d] = lo[d];
      d--;
    }
    if (d < 0) break;
  }
}

/**
 * Undo the HDF5 shuffle filter (H5Zshuffle.c): the stored bytes are byte 0 of every element, then byte 1, …;
 * bytes past the last whole element are left in place.
 */
export function unshuffle(src: Uint8Array, elem: number): Uint8Array {
  const n = Math.floor(src.length / elem);
  if (elem <= 1 || n <= 1) return src;
  const out = new Uint8Array(src.length);
  if (elem === 4) {
    // Int32 stores keep the loop in int32 arithmetic (a Uint32Array store of >>> 0 values would not).
    const o32 = new Int32Array(out.buffer, 0, n);
    for (let i = 0; i < n; i++)
      o32[i] = src[i] | (src[n + i] << 8) | (src[2 * n + i] << 16) | (src[3 * n + i] << 24);
  } else if (elem === 2) {
    const o16 = new Uint16Array(out.buffer, 0, n);
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
