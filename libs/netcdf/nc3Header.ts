/**
 * The netCDF-3 header (classic `CDF\x01` and 64-bit offset `CDF\x02`), parsed once from the bytes of the
 * file with every count, length and offset checked against the file size before it is used (NetCDF Classic
 * Format Specification, "The Format in Detail"; the layout checks follow netCDF-C's v1hpg.c NC_check_voffs).
 * netcdfjs is not used for the header: it builds each name one character at a time and cannot be told the
 * file size, so a name length of 0x7fffffff in a 16 MiB file costs it 7.8 s and 593 MiB before it fails
 * with "Offset is outside the bounds of the DataView" (measured, notes/issue-13-readers.md).
 */
import { CorruptNetcdfError, UnsupportedNetcdfError } from '../contracts/errors.js';
import { nameProblem } from './names.js';
import { readFully } from './positioned.js';

export type Nc3Type = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double';
export const NC3_TYPES: Record<number, { name: Nc3Type; size: number }> = {
  1: { name: 'byte', size: 1 },
  2: { name: 'char', size: 1 },
  3: { name: 'short', size: 2 },
  4: { name: 'int', size: 4 },
  5: { name: 'float', size: 4 },
  6: { name: 'double', size: 8 },
};

export interface Nc3Attribute {
  name: string;
  type: Nc3Type;
  /** Text for char attributes (latin1, one trailing NUL removed), numbers otherwise. */
  value: string | number[];
}
export interface Nc3Dimension {
  name: string;
  /** Declared length; 0 for the record (unlimited) dimension. */
  size: number;
}
export interface Nc3Variable {
  name: string;
  dimensions: number[];
  attributes: Nc3Attribute[];
  type: Nc3Type;
  /** Byte offset of the data (of the first record for record variables). */
  begin: number;
  record: boolean;
  /** Bytes of one record (record variables) or of the whole variable, unpadded. */
  bytes: number;
}
export interface Nc3Header {
  version: 1 | 2;
  numrecs: number;
  recordDimension: number;
  dimensions: Nc3Dimension[];
  attributes: Nc3Attribute[];
  variables: Nc3Variable[];
  /** Where the header ends: no variable's data may start before it. */
  headerEnd: number;
  /** Bytes per record: the record variables' sizes, each padded to 4 unless it is the only one. */
  recsize: number;
}

const NC_DIMENSION = 10;
const NC_VARIABLE = 11;
const NC_ATTRIBUTE = 12;
/** numrecs of a file being written as a stream (spec: STREAMING). */
const STREAMING = 0xffffffff;

/**
 * A cursor over the header, read from the file as far as the parse gets (the buffer grows by doubling; the
 * header is parsed once): every length is checked against the file size before anything is read for it.
 */
class Cursor {
  at = 4;
  b: Buffer;
  constructor(
    private readonly fd: number,
    private readonly file: string,
    private readonly fileSize: number,
  ) {
    this.b = Buffer.alloc(Math.min(fileSize, 1 << 16));
    readFully(fd, this.b, 0, file);
  }

  fail(structure: string, offset: number, problem: string): never {
    throw new CorruptNetcdfError(this.file, `netCDF-3 header (${structure})`, offset, problem);
  }

  need(n: number, structure: string): void {
    if (n > this.fileSize - this.at)
      this.fail(structure, this.at, `needs ${n} bytes, the file ends at byte ${this.fileSize}`);
    if (this.at + n <= this.b.length) return;
    const grown = Buffer.alloc(Math.min(this.fileSize, Math.max(2 * this.b.length, this.at + n)));
    this.b.copy(grown);
    readFully(this.fd, grown.subarray(this.b.length), this.b.length, this.file);
    this.b = grown;
  }

  u32(structure: string): number {
    this.need(4, structure);
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  u64(structure: string): number {
    this.need(8, structure);
    const v = Number(this.b.readBigUInt64BE(this.at));
    this.at += 8;
    return v;
  }

  /** `n` elements of `size` bytes, padded to 4; the count is checked before anything is allocated. */
  bytes(n: number, size: number, structure: string): Buffer {
    const len = n * size;
    this.need(Math.ceil(len / 4) * 4, structure);
    const out = this.b.subarray(this.at, this.at + len);
    this.at += Math.ceil(len / 4) * 4;
    return out;
  }

  /** A name, which must follow netCDF's rule for names (names.ts). */
  name(structure: string): string {
    const at = this.at;
    const n = this.u32(`${structure} name length`);
    const raw = this.bytes(n, 1, `${structure} name of ${n} bytes`);
    const problem = nameProblem(raw);
    if (problem) this.fail(structure, at, problem);
    return raw.toString('utf8');
  }
}

/** Parse the header of the open file `fd` (magic already checked by open.ts); `fileSize` bounds everything. */
export function parseNc3Header(fd: number, file: string, fileSize: number): Nc3Header {
  if (fileSize < 8) throw new CorruptNetcdfError(file, 'netCDF-3 header', 0, `only ${fileSize} bytes`);
  const c = new Cursor(fd, file, fileSize);
  const version = c.b[3];
  if (version !== 1 && version !== 2) c.fail('magic', 3, `version byte ${version}`);
  const numrecs = c.u32('numrecs');
  if (numrecs === STREAMING) throw new UnsupportedNetcdfError(file, 'a netCDF-3 header in streaming mode');

  const dimensions: Nc3Dimension[] = [];
  let recordDimension = -1;
  for (let i = 0, n = list(c, NC_DIMENSION, 'dimension list', 8); i < n; i++) {
    const name = c.name(`dimension ${i}`);
    const size = c.u32(`dimension '${name}' length`);
    if (size === 0) {
      if (recordDimension >= 0) c.fail('dimension list', c.at - 4, 'more than one unlimited dimension');
      recordDimension = i;
    }
    dimensions.push({ name, size });
  }
  const attributes = attributeList(c, 'global attributes');
  const offsetSize = version === 1 ? 4 : 8;
  const variables: Nc3Variable[] = [];
  for (let i = 0, n = list(c, NC_VARIABLE, 'variable list', 8 + 4 + 8 + 8 + offsetSize); i < n; i++) {
    const name = c.name(`variable ${i}`);
    const at = c.at;
    const rank = c.u32(`variable '${name}' rank`);
    c.need(rank * 4, `variable '${name}' dimension ids`);
    const dims = Array.from({ length: rank }, () => c.u32(`variable '${name}' dimension ids`));
    for (const [k, d] of dims.entries()) {
      if (d >= dimensions.length)
        c.fail(`variable '${name}'`, at, `dimension id ${d} of ${dimensions.length}`);
      if (d === recordDimension && k > 0)
        c.fail(`variable '${name}'`, at, 'the unlimited dimension is not its first');
    }
    const attrs = attributeList(c, `attributes of '${name}'`);
    const typeAt = c.at;
    const type = NC3_TYPES[c.u32(`variable '${name}' type`)];
    if (!type) c.fail(`variable '${name}' type`, typeAt, `type code ${c.b.readUInt32BE(typeAt)}`);
    c.u32(`variable '${name}' vsize`); // recomputed below (it saturates for variables over 4 GiB)
    const begin = offsetSize === 4 ? c.u32(`variable '${name}' begin`) : c.u64(`variable '${name}' begin`);
    const record = rank > 0 && dims[0] === recordDimension;
    let bytes = type.size;
    for (const d of record ? dims.slice(1) : dims) bytes *= dimensions[d].size;
    if (!Number.isSafeInteger(bytes) || bytes > fileSize)
      c.fail(`variable '${name}'`, at, `its dimensions need ${bytes} bytes, the file has ${fileSize}`);
    variables.push({ name, dimensions: dims, attributes: attrs, type: type.name, begin, record, bytes });
  }
  const recVars = variables.filter((v) => v.record);
  // A single record variable is not padded (spec, "Note on padding").
  const recsize =
    recVars.length === 1 ? recVars[0].bytes : recVars.reduce((s, v) => s + Math.ceil(v.bytes / 4) * 4, 0);
  const header: Nc3Header = {
    version: version as 1 | 2,
    numrecs,
    recordDimension,
    dimensions,
    attributes,
    variables,
    headerEnd: c.at,
    recsize,
  };
  checkLayout(header, file, fileSize);
  return header;
}

/** ABSENT (two zero words) or a tag and a count; the count is bounded by the bytes left (`min` per item). */
function list(c: Cursor, tag: number, structure: string, min: number): number {
  const at = c.at;
  const t = c.u32(structure);
  const n = c.u32(structure);
  if (t === 0) {
    if (n !== 0) c.fail(structure, at, `absent list with count ${n}`);
    return 0;
  }
  if (t !== tag) c.fail(structure, at, `tag ${t}, expected ${tag} or 0`);
  c.need(Math.min(n * min, Number.MAX_SAFE_INTEGER), `${structure} of ${n} entries`);
  return n;
}

function attributeList(c: Cursor, structure: string): Nc3Attribute[] {
  const out: Nc3Attribute[] = [];
  for (let i = 0, n = list(c, NC_ATTRIBUTE, structure, 12); i < n; i++) {
    const name = c.name(`${structure}, attribute ${i}`);
    const typeAt = c.at;
    const code = c.u32(`attribute '${name}' type`);
    const type = NC3_TYPES[code];
    if (!type) c.fail(`attribute '${name}'`, typeAt, `type code ${code}`);
    const count = c.u32(`attribute '${name}' length`);
    const raw = c.bytes(count, type.size, `attribute '${name}' values`);
    out.push({ name, type: type.name, value: decodeValues(raw, type.name) });
  }
  return out;
}

function decodeValues(raw: Buffer, type: Nc3Type): string | number[] {
  if (type === 'char') {
    const s = raw.toString('latin1');
    return s.endsWith('\0') ? s.slice(0, -1) : s;
  }
  const n = raw.length / NC3_TYPES[codeOf(type)].size;
  const read: (i: number) => number =
    type === 'byte'
      ? (i) => raw.readInt8(i)
      : type === 'short'
        ? (i) => raw.readInt16BE(2 * i)
        : type === 'int'
          ? (i) => raw.readInt32BE(4 * i)
          : type === 'float'
            ? (i) => raw.readFloatBE(4 * i)
            : (i) => raw.readDoubleBE(8 * i);
  return Array.from({ length: n }, (_, i) => read(i));
}

function codeOf(type: Nc3Type): number {
  return Number(Object.keys(NC3_TYPES).find((k) => NC3_TYPES[Number(k)].name === type));
}

/**
 * Variable data must start after the header, in the order the variables are declared, without overlapping
 * (netCDF-C NC_check_voffs), fixed-size variables before the records, and end inside the file.
 */
function checkLayout(h: Nc3Header, file: string, fileSize: number): void {
  const fail = (v: Nc3Variable, problem: string): never => {
    throw new CorruptNetcdfError(file, `netCDF-3 variable '${v.name}' data`, v.begin, problem);
  };
  let end = h.headerEnd;
  for (const v of h.variables.filter((x) => !x.record)) {
    if (v.begin < end)
      fail(
        v,
        v.begin < h.headerEnd
          ? `starts inside the header (which ends at byte ${h.headerEnd})`
          : 'overlaps the variable before it',
      );
    end = v.begin + v.bytes;
    if (end > fileSize) fail(v, `truncated file: needs ${end} bytes, the file has ${fileSize}`);
  }
  const recVars = h.variables.filter((x) => x.record);
  if (!recVars.length) return;
  const beginRec = recVars[0].begin;
  for (const v of recVars) {
    if (v.begin < end)
      fail(
        v,
        v.begin < h.headerEnd
          ? `starts inside the header (which ends at byte ${h.headerEnd})`
          : 'overlaps the variable before it',
      );
    end = v.begin + v.bytes;
    if (end - beginRec > h.recsize) fail(v, `runs past the record size ${h.recsize}`);
    const last = v.begin + (h.numrecs - 1) * h.recsize + v.bytes;
    if (h.numrecs > 0 && last > fileSize)
      fail(v, `truncated file: ${h.numrecs} records need ${last} bytes, the file has ${fileSize}`);
  }
}
