/**
 * Message scanning and header parsing for GRIB edition 1 (WMO FM 92-VIII Ext. GRIB1) and edition 2 (FM 92 GRIB
 * Edition 2): each message's sections are located and their metadata read into a GribField; the data and
 * bitmap are only located (offsets), not read, so an index of a large file costs a few small reads per message.
 */
import { InvalidGribError, UnsupportedGribError } from '../contracts/errors.js';
import { allOnes, ibm32, ieee32, sint, uint } from './bits.js';
import { gaussianLatitudes } from './gaussian.js';
import { GRIB1_LEVELS, GRIB2_LEVELS, grib1Param, grib2Param } from './params.js';
import type { FileSource } from './source.js';
import type { DataDescriptor, GribField, GribGrid } from './types.js';

/** How a message is named in errors: file, 1-based message number, edition and byte offset. */
export class Where {
  constructor(
    readonly path: string,
    readonly message: number,
    readonly offset: number,
    readonly edition: number,
  ) {}
  at(section: number | string, template?: string): string {
    return `${this.path}: GRIB${this.edition || ''} message ${this.message} (byte ${this.offset}) section ${section}${template ? ` (template ${template})` : ''}`;
  }
  bad(section: number | string, what: string, template?: string): InvalidGribError {
    return new InvalidGribError(`${this.at(section, template)}: ${what}`);
  }
  unsupported(section: number | string, what: string, template?: string): UnsupportedGribError {
    return new UnsupportedGribError(`${this.at(section, template)}: ${what} is not supported`);
  }
}

/** Header bytes read per message before parsing; longer headers (large pl lists, bitmaps) are read in full. */
const HEAD = 65536;
/** Sanity bound on the values of one field (2^31 points ≈ a 0.005° global grid). */
const MAX_POINTS = 2 ** 31;

/** Scan the whole file: every message's fields, in file order. Bytes between messages must be absent. */
export function scanFile(src: FileSource): GribField[] {
  const fields: GribField[] = [];
  let pos = 0;
  let message = 0;
  while (pos < src.size) {
    message++;
    const head = src.read(pos, 16);
    const where = new Where(src.path, message, pos, head.length >= 8 ? head[7] : 0);
    const magic =
      head.length >= 4 && head[0] === 0x47 && head[1] === 0x52 && head[2] === 0x49 && head[3] === 0x42;
    if (magic && head.length < 8)
      throw where.bad(0, `truncated indicator section (${head.length} bytes at byte ${pos})`);
    if (!magic) {
      // Bytes between messages (padding to 8 or 120 bytes, as MARS writes, or junk) are skipped up to the
      // next 'GRIB', as ecCodes does; nothing but padding may follow the last message.
      const next = findGrib(src, pos);
      if (next < 0) {
        if (message > 1 && isPadding(src, pos)) break;
        throw where.bad(
          0,
          `expected 'GRIB' at byte ${pos}, found ${JSON.stringify(Buffer.from(head.subarray(0, 4)).toString('latin1'))} and no later message`,
        );
      }
      pos = next;
      message--;
      continue;
    }
    const edition = head[7];
    let length: number;
    if (edition === 1) {
      length = uint(head, 4, 3);
      if (length & 0x800000) throw where.unsupported(0, 'GRIB1 large-message length encoding (> 8 MB)');
    } else if (edition === 2) {
      if (head.length < 16) throw where.bad(0, `truncated indicator section (${head.length} of 16 bytes)`);
      length = uint(head, 8, 8);
    } else throw where.unsupported(0, `GRIB edition ${edition}`);
    if (length < (edition === 1 ? 8 + 28 + 11 + 4 : 16 + 21 + 4))
      throw where.bad(0, `message length ${length} is too short`);
    if (pos + length > src.size)
      throw where.bad(
        0,
        `message length ${length} runs past the end of the file (${src.size - pos} bytes left): truncated`,
      );
    const buf = src.read(pos, Math.min(length, HEAD));
    const full = buf.length < length ? () => src.read(pos, length) : () => buf;
    const endMark = src.read(pos + length - 4, 4);
    if (Buffer.from(endMark).toString('latin1') !== '7777')
      throw where.bad(edition === 1 ? 5 : 8, `message does not end with '7777' at byte ${pos + length - 4}`);
    if (edition === 1) fields.push(parseGrib1(buf, full, where, length));
    else fields.push(...parseGrib2(buf, full, where, length, head[6]));
    pos += length;
  }
  return fields;
}

/** Offset of the next 'GRIB' at or after `from`, or −1. */
function findGrib(src: FileSource, from: number): number {
  // Padding between messages is short (MARS pads to 8 or 120 bytes): look near first, then in growing chunks.
  let chunk = 256;
  for (let p = from; p < src.size; p += chunk - 3, chunk = Math.min(chunk * 8, 1 << 20)) {
    const at = Buffer.from(src.read(p, chunk)).indexOf('GRIB', 0, 'latin1');
    if (at >= 0) return p + at;
  }
  return -1;
}

function isPadding(src: FileSource, from: number): boolean {
  const CHUNK = 1 << 20;
  for (let p = from; p < src.size; p += CHUNK)
    if (!src.read(p, CHUNK).every((b) => b === 0 || b === 0x20 || b === 0x0a || b === 0x0d)) return false;
  return true;
}

function checkSection(
  where: Where,
  section: number,
  start: number,
  len: number,
  msgLen: number,
  min: number,
): void {
  if (len < min) throw where.bad(section, `section length ${len} is shorter than its ${min}-byte header`);
  if (start + len > msgLen)
    throw where.bad(
      section,
      `section length ${len} at byte ${start} runs past the end of the ${msgLen}-byte message`,
    );
}

/** GRIB1 time unit indicator (Table 4) → seconds. */
const GRIB1_UNITS: Record<number, number> = {
  0: 60,
  1: 3600,
  2: 86400,
  10: 3 * 3600,
  11: 6 * 3600,
  12: 12 * 3600,
  13: 900,
  14: 1800,
  254: 1,
};
/** GRIB2 Code table 4.4 indicator of unit of time range → seconds. */
const GRIB2_UNITS: Record<number, number> = {
  0: 60,
  1: 3600,
  2: 86400,
  10: 3 * 3600,
  11: 6 * 3600,
  12: 12 * 3600,
  13: 1,
};

/** MARS types (ECMWF local definition octet 43) → dataType. */
const MARS_TYPES: Record<number, string> = {
  1: 'fg',
  2: 'an',
  3: 'ia',
  4: 'oi',
  9: 'fc',
  10: 'cf',
  11: 'pf',
  17: 'em',
  18: 'es',
};
/** ECMWF GRIB1 local definitions whose octet 50 is the ensemble member number (octet 51 the ensemble size). */
const LOCAL_WITH_NUMBER = new Set([1, 15, 16, 26, 30, 36]);
/** ECMWF GRIB1 local definitions ecCodes defines (definitions/grib1/local.98.<n>.def, ecCodes 2.28). */
const ECMWF_LOCAL_DEFINITIONS = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30,
  31, 32, 33, 35, 36, 37, 38, 39, 40, 49, 50, 190, 191, 192, 218, 244, 245,
]);

function epoch(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  return t.getTime() / 1000;
}

function parseGrib1(first: Uint8Array, full: () => Uint8Array, where: Where, length: number): GribField {
  let b = first;
  const need = (end: number) => {
    if (end > b.length) b = full();
  };
  // Section 1: product definition.
  const p = 8;
  const s1 = uint(b, p, 3);
  checkSection(where, 1, p, s1, length, 28);
  const table2Version = b[p + 3];
  const centre = b[p + 4];
  const flags = b[p + 7];
  const indicator = b[p + 8];
  const levelCode = b[p + 9];
  const levelType = GRIB1_LEVELS[levelCode] ?? `level${levelCode}`;
  // Layers (101, 104, 106, 112, …) store two 1-byte values; levels a 2-byte one.
  const layer = [101, 104, 106, 108, 110, 112, 114, 116, 120, 121, 128, 141].includes(levelCode);
  const level = layer ? b[p + 11] : uint(b, p + 10, 2);
  const century = b[p + 24];
  const year = (century - 1) * 100 + b[p + 12];
  const refTime = epoch(year, b[p + 13], b[p + 14], b[p + 15], b[p + 16], 0);
  const unit = GRIB1_UNITS[b[p + 17]];
  if (unit === undefined) throw where.unsupported(1, `time unit indicator ${b[p + 17]}`);
  const p1 = b[p + 18];
  const p2 = b[p + 19];
  const tri = b[p + 20];
  let step: number;
  let stepType = 'instant';
  if (tri === 10) step = p1 * 256 + p2;
  else if (tri === 0 || tri === 1) step = tri === 1 ? 0 : p1;
  else if (tri === 2 || tri === 3 || tri === 4 || tri === 5) {
    step = p2;
    stepType = tri === 4 ? 'accum' : tri === 3 ? 'avg' : tri === 5 ? 'diff' : 'max';
  } else throw where.unsupported(1, `time range indicator ${tri}`);
  const decimalScale = sint(b, p + 26, 2);
  if (allOnes(b, p + 26, 2)) throw where.bad(1, 'decimal scale factor is missing (all bits set)');
  let number: number | undefined;
  let totalNumber: number | undefined;
  let dataType: string | undefined;
  if (s1 > 40) {
    // A local section (octets 41 on): read for ECMWF (centre or sub-centre 98) with a local definition that
    // ecCodes knows; any other centre's local section (its ensemble member, say) is not read here.
    const local = b[p + 40];
    if (centre !== 98 && b[p + 25] !== 98)
      throw where.unsupported(1, `the local section of centre ${centre} (member numbers would be lost)`);
    if (!ECMWF_LOCAL_DEFINITIONS.has(local)) throw where.unsupported(1, `ECMWF local definition ${local}`);
    dataType = MARS_TYPES[b[p + 42]];
    if (LOCAL_WITH_NUMBER.has(local) && s1 >= 51) {
      number = b[p + 49];
      totalNumber = b[p + 50];
      // Only ensemble products carry a member number (MARS types cf, pf, and analyses of an EDA stream).
      if (totalNumber === 0) number = totalNumber = undefined;
    }
  }
  const param = grib1Param(table2Version, centre, indicator, levelType, level);
  // Section 2: grid description.
  let q = p + s1;
  if (!(flags & 0x80))
    throw where.unsupported(2, 'a GRIB1 message without a grid description section (predefined grid)');
  const s2 = uint(b, q, 3);
  checkSection(where, 2, q, s2, length, 32);
  need(q + s2);
  const grid = grib1Grid(b.subarray(q, q + s2), where);
  q += s2;
  // Section 3: bitmap.
  let bitmapOffset: number | null = null;
  let bitmapLength = 0;
  if (flags & 0x40) {
    need(q + 6);
    const s3 = uint(b, q, 3);
    checkSection(where, 3, q, s3, length, 6);
    if (uint(b, q + 4, 2) !== 0) throw where.unsupported(3, `predefined bitmap ${uint(b, q + 4, 2)}`);
    bitmapOffset = where.offset + q + 6;
    bitmapLength = s3 - 6;
    if (bitmapLength * 8 - b[q + 3] < grid.numberOfPoints)
      throw where.bad(3, `bitmap of ${bitmapLength * 8 - b[q + 3]} bits for ${grid.numberOfPoints} points`);
    q += s3;
  }
  // Section 4: binary data.
  need(q + 11);
  const s4 = uint(b, q, 3);
  checkSection(where, 4, q, s4, length, 11);
  const bflags = b[q + 3];
  if (allOnes(b, q + 4, 2)) throw where.bad(4, 'binary scale factor is missing (all bits set)');
  if (bflags & 0x80) throw where.unsupported(4, 'spherical harmonic coefficients');
  if (bflags & 0x40) throw where.unsupported(4, 'GRIB1 complex (second-order) packing');
  if (bflags & 0x10) throw where.unsupported(4, 'GRIB1 additional flags (octet 14)');
  const data: DataDescriptor = {
    template: bflags & 0x20 ? -1 : 0,
    numberOfValues: -1, // set from the bitmap when it is read
    reference: ibm32(b, q + 6),
    binaryScale: sint(b, q + 4, 2),
    decimalScale,
    bitsPerValue: b[q + 10],
    dataOffset: where.offset + q + 11,
    dataLength: s4 - 11,
    bitmapOffset,
    bitmapLength,
    unusedBits: bflags & 0x0f,
  };
  if (data.template === -1) throw where.unsupported(4, 'GRIB1 integer data');
  if (data.bitsPerValue > 32) throw where.bad(4, `${data.bitsPerValue} bits per value`);
  if (!bitmapOffset) {
    data.numberOfValues = grid.numberOfPoints;
    const bits = data.dataLength * 8 - data.unusedBits;
    // ecCodes counts the values from the section's length; they must be the grid's points exactly.
    if (data.bitsPerValue > 0 && Math.floor(bits / data.bitsPerValue) !== data.numberOfValues)
      throw where.bad(
        4,
        `${bits} data bits hold ${Math.floor(bits / data.bitsPerValue)} values of ${data.bitsPerValue} bits, not the grid's ${data.numberOfValues}`,
      );
  }
  return {
    message: where.message,
    field: 1,
    edition: 1,
    offset: where.offset,
    length,
    centre,
    param,
    typeOfLevel: levelType,
    level,
    ...(number !== undefined ? { number, totalNumber } : {}),
    ...(dataType ? { dataType } : {}),
    refTime,
    stepHours: (step * unit) / 3600,
    stepType,
    grid,
    data,
  };
}

function grib1Grid(g: Uint8Array, where: Where): GribGrid {
  const nv = g[3];
  const pvpl = g[4];
  const type = g[5];
  const t = `GRIB1 data representation type ${type}`;
  const milli = (o: number) => sint(g, o, 3) / 1000;
  const base = {
    earthRadius: (g[16] & 0x40) === 0 ? 6367470 : 6378160,
    key: Buffer.from(g).toString('base64'),
  };
  const scan = g[27];
  const scanning = {
    iScansNegatively: (scan & 0x80) !== 0,
    jScansPositively: (scan & 0x40) !== 0,
    jPointsAreConsecutive: (scan & 0x20) !== 0,
    alternativeRowScanning: false,
  };
  // PV/PL location (octet 5): 255 when neither list is present, else the octet where the lists start; the
  // NV vertical coordinates (4 octets each) must fit the section (ecCodes: "Invalid size found for section_2").
  const pvAt = pvpl === 255 ? 32 : pvpl - 1;
  if (pvpl === 0 || pvAt < 32 || pvAt + 4 * nv > g.length)
    throw where.bad(
      2,
      `PV/PL location octet ${pvpl} with ${nv} vertical coordinates does not fit the ${g.length}-byte section`,
      t,
    );
  if (type === 0 || type === 4) {
    const ni = uint(g, 6, 2);
    const nj = uint(g, 8, 2);
    const reduced = ni === 0xffff;
    let pl: number[] | undefined;
    if (reduced) {
      if (type !== 4) throw where.unsupported(2, 'reduced latitude–longitude grids', t);
      const at = (pvpl === 255 ? 32 : pvpl - 1) + 4 * nv;
      if (at + 2 * nj > g.length)
        throw where.bad(2, `pl list of ${nj} rows at byte ${at} runs past the section`, t);
      pl = Array.from({ length: nj }, (_, j) => uint(g, at + 2 * j, 2));
    }
    const incrGiven = (g[16] & 0x80) !== 0;
    const grid: GribGrid = {
      type: type === 0 ? 'regular_ll' : reduced ? 'reduced_gg' : 'regular_gg',
      nx: reduced ? 0 : ni,
      ny: nj,
      numberOfPoints: reduced ? pl!.reduce((a, c) => a + c, 0) : ni * nj,
      lat1: milli(10),
      lon1: milli(13),
      lat2: milli(17),
      lon2: milli(20),
      di: incrGiven && !reduced && uint(g, 23, 2) !== 0xffff ? uint(g, 23, 2) / 1000 : NaN,
      dj: type === 0 && incrGiven && uint(g, 25, 2) !== 0xffff ? uint(g, 25, 2) / 1000 : NaN,
      ...scanning,
      ...(type === 4 ? { gaussianN: uint(g, 25, 2) } : {}),
      ...(pl ? { pl } : {}),
      ...base,
    };
    return checkGrid(grid, where, 2, t);
  }
  if (type === 3 || type === 5) {
    if (g.length < (type === 3 ? 40 : 32)) throw where.bad(2, `section length ${g.length} is too short`, t);
    const nx = uint(g, 6, 2);
    const ny = uint(g, 8, 2);
    const south = (g[26] & 0x80) !== 0;
    return {
      type: type === 3 ? 'lambert' : 'polar_stereographic',
      nx,
      ny,
      numberOfPoints: nx * ny,
      lat1: milli(10),
      lon1: milli(13),
      lat2: NaN,
      lon2: NaN,
      di: uint(g, 20, 3),
      dj: uint(g, 23, 3),
      ...scanning,
      lov: milli(17),
      ...(type === 3
        ? { latin1: milli(28), latin2: milli(31), lad: milli(28) }
        : { lad: south ? -60 : 60, southPole: south }),
      ...(type === 3 ? { southPole: south } : {}),
      ...base,
    };
  }
  throw where.unsupported(2, 'this grid', t);
}

/** Largest Gaussian N accepted (ECMWF's finest grids are N1280/O1280; TCo7999 experiments use N8000). */
const MAX_GAUSSIAN_N = 8000;
/** How far a stored row latitude may be from its Gaussian latitude (GRIB1 stores millidegrees). */
const GAUSSIAN_LAT_TOLERANCE = 2e-3;

/** Checks shared by both editions: the Gaussian N fits the rows, pl entries are positive, latitudes follow
 * the scanning direction (ecCodes refuses the same: grib_iterator_class_latlon, grib_gaussian_reduced). */
function checkGrid(g: GribGrid, where: Where, section: number, t: string): GribGrid {
  if (
    g.gaussianN !== undefined &&
    (g.gaussianN < 1 || g.gaussianN > MAX_GAUSSIAN_N || 2 * g.gaussianN < g.ny)
  )
    throw where.bad(
      section,
      `Gaussian N ${g.gaussianN} does not fit ${g.ny} rows (1 ≤ N ≤ ${MAX_GAUSSIAN_N}, 2N ≥ rows)`,
      t,
    );
  if (g.gaussianN !== undefined) {
    // The first and last rows must be Gaussian latitudes of N, ny rows apart (ecCodes' Gaussian iterators
    // look lat1 up in the same table and crash on some that are not there).
    const lats = gaussianLatitudes(g.gaussianN);
    const row = (lat: number) => {
      let k = 0;
      for (let i = 1; i < lats.length; i++) if (Math.abs(lats[i] - lat) < Math.abs(lats[k] - lat)) k = i;
      return Math.abs(lats[k] - lat) <= GAUSSIAN_LAT_TOLERANCE ? k : -1;
    };
    const first = row(g.lat1);
    const last = row(g.lat2);
    if (first < 0 || last < 0 || Math.abs(last - first) + 1 !== g.ny)
      throw where.bad(
        section,
        `latitudes ${g.lat1} to ${g.lat2} are not ${g.ny} rows of the N${g.gaussianN} Gaussian grid`,
        t,
      );
  }
  if (g.pl) {
    const zero = g.pl.indexOf(0);
    if (zero >= 0) throw where.bad(section, `pl list: row ${zero + 1} has no points`, t);
  }
  if (g.type === 'regular_ll' && (g.jScansPositively ? g.lat2 < g.lat1 : g.lat1 < g.lat2))
    throw where.bad(
      section,
      `first and last latitudes ${g.lat1}, ${g.lat2} contradict the scanning direction (j ${g.jScansPositively ? '+' : '−'})`,
      t,
    );
  return g;
}

/** Earth radius of GRIB2 Code table 3.2 shapes 0 (6 367 470 m), 1 (given), 6 (6 371 229 m); others rejected. */
function earthRadius(s: Uint8Array, where: Where, t: string): number {
  const shape = s[14];
  if (shape === 0) return 6367470;
  if (shape === 6) return 6371229;
  if (shape === 8) return 6371200;
  if (shape === 1) {
    const f = s[15];
    const v = uint(s, 16, 4);
    return v / 10 ** f;
  }
  // Oblate shapes: use the mean radius (the projections here are spherical; error < 0.2 % in distances).
  if (shape === 2 || shape === 4 || shape === 5) return 6371000;
  if (shape === 3 || shape === 7) {
    const a = uint(s, 21, 4) / 10 ** s[20];
    return shape === 3 ? a * 1000 : a;
  }
  throw where.unsupported(3, `shape of the Earth ${shape}`, t);
}

function grib2Grid(s: Uint8Array, where: Where): GribGrid {
  const tn = uint(s, 12, 2);
  const t = `3.${tn}`;
  const nOpt = s[10];
  const interp = s[11];
  const npts = uint(s, 6, 4);
  const micro = (o: number) => sint(s, o, 4) / 1e6;
  const scanAt = tn === 0 || tn === 40 ? 71 : 64;
  const minLen = tn === 0 || tn === 40 ? 72 : tn === 30 ? 81 : 65;
  if (![0, 40, 30, 20].includes(tn)) throw where.unsupported(3, 'grid definition template', t);
  if (s.length < minLen)
    throw where.bad(3, `section length ${s.length} is shorter than template ${t} (${minLen})`, t);
  const scan = s[scanAt];
  // Flag table 3.4 bits 5-8: rows or columns offset (staggered grids); their geometry is not read here.
  if (scan & 0x0f) throw where.unsupported(3, `scanning mode ${scan} (offset rows or columns)`, t);
  const scanning = {
    iScansNegatively: (scan & 0x80) !== 0,
    jScansPositively: (scan & 0x40) !== 0,
    jPointsAreConsecutive: (scan & 0x20) !== 0,
    alternativeRowScanning: (scan & 0x10) !== 0,
  };
  const base = { earthRadius: earthRadius(s, where, t), key: Buffer.from(s.subarray(5)).toString('base64') };
  if (tn === 0 || tn === 40) {
    if (uint(s, 38, 4) !== 0 && !allOnes(s, 38, 4))
      throw where.unsupported(3, 'a basic angle other than 0', t);
    // Subdivisions of a basic angle of 0 mean nothing (ecCodes crashes on some): 0 or missing only.
    if (uint(s, 42, 4) !== 0 && !allOnes(s, 42, 4))
      throw where.bad(3, `subdivisions of the basic angle ${uint(s, 42, 4)} with a basic angle of 0`, t);
    const reduced = allOnes(s, 30, 4);
    const nj = uint(s, 34, 4);
    let pl: number[] | undefined;
    if (reduced) {
      if (tn !== 40) throw where.unsupported(3, 'reduced latitude–longitude grids', t);
      if (nOpt === 0 || interp !== 1) throw where.bad(3, 'reduced grid without a pl list', t);
      const at = s.length - nj * nOpt;
      if (at < minLen) throw where.bad(3, `pl list of ${nj} rows does not fit the section`, t);
      pl = Array.from({ length: nj }, (_, j) => uint(s, at + j * nOpt, nOpt));
    }
    // An optional list of numbers (octet 11 > 0) on a regular grid: it must fit after the template.
    if (!reduced && nOpt > 0 && minLen + nOpt * nj > s.length)
      throw where.bad(3, `optional list of ${nj} numbers of ${nOpt} octets does not fit the section`, t);
    const ni = reduced ? 0 : uint(s, 30, 4);
    const numberOfPoints = reduced ? pl!.reduce((a, c) => a + c, 0) : ni * nj;
    if (numberOfPoints !== npts)
      throw where.bad(3, `number of data points ${npts} differs from the grid's ${numberOfPoints}`, t);
    const incr = (s[54] & 0x20) !== 0;
    return checkGrid(
      {
        type: tn === 0 ? 'regular_ll' : reduced ? 'reduced_gg' : 'regular_gg',
        nx: ni,
        ny: nj,
        numberOfPoints,
        lat1: micro(46),
        lon1: micro(50),
        lat2: micro(55),
        lon2: micro(59),
        di: incr && !reduced && !allOnes(s, 63, 4) ? uint(s, 63, 4) / 1e6 : NaN,
        dj: tn === 0 && incr && !allOnes(s, 67, 4) ? uint(s, 67, 4) / 1e6 : NaN,
        ...scanning,
        ...(tn === 40 ? { gaussianN: uint(s, 67, 4) } : {}),
        ...(pl ? { pl } : {}),
        ...base,
      },
      where,
      3,
      t,
    );
  }
  const nx = uint(s, 30, 4);
  const ny = uint(s, 34, 4);
  if (nOpt > 0 && minLen + nOpt * ny > s.length)
    throw where.bad(3, `optional list of ${ny} numbers of ${nOpt} octets does not fit the section`, t);
  if (nx * ny !== npts)
    throw where.bad(3, `number of data points ${npts} differs from Nx·Ny = ${nx * ny}`, t);
  const south = (s[63] & 0x80) !== 0;
  return {
    type: tn === 30 ? 'lambert' : 'polar_stereographic',
    nx,
    ny,
    numberOfPoints: npts,
    lat1: micro(38),
    lon1: micro(42),
    lat2: NaN,
    lon2: NaN,
    di: uint(s, 55, 4) / 1000,
    dj: uint(s, 59, 4) / 1000,
    ...scanning,
    lad: micro(47),
    lov: micro(51),
    southPole: south,
    ...(tn === 30 ? { latin1: micro(65), latin2: micro(69) } : {}),
    ...base,
  };
}

interface Product {
  param: ReturnType<typeof grib2Param>;
  typeOfLevel: string;
  level: number;
  number?: number;
  totalNumber?: number;
  dataType?: string;
  stepHours: number;
  stepType: string;
}

const STAT_TYPES: Record<number, string> = { 0: 'avg', 1: 'accum', 2: 'max', 3: 'min', 4: 'diff' };

function grib2Product(s: Uint8Array, where: Where, discipline: number): Product {
  const tn = uint(s, 7, 2);
  const t = `4.${tn}`;
  if (![0, 1, 8, 11].includes(tn)) throw where.unsupported(4, 'product definition template', t);
  const minLen = { 0: 34, 1: 37, 8: 58, 11: 61 }[tn]!;
  if (s.length < minLen)
    throw where.bad(4, `section length ${s.length} is shorter than template ${t} (${minLen})`, t);
  // The template (4.8/4.11 with n time-range specifications of 12 octets) and NV vertical coordinates of
  // 4 octets after it must fit the section (ecCodes: "Invalid size found for section_4").
  const nv = uint(s, 5, 2);
  const full = tn === 8 ? 46 + 12 * s[41] : tn === 11 ? 49 + 12 * s[44] : minLen;
  if ((tn === 8 || tn === 11) && full < minLen) throw where.bad(4, 'no time-range specification', t);
  if (full + 4 * nv > s.length)
    throw where.bad(
      4,
      `template ${t} of ${full} octets and ${nv} vertical coordinates do not fit the ${s.length}-octet section`,
      t,
    );
  const category = s[9];
  const number = s[10];
  const unit = GRIB2_UNITS[s[17]];
  if (unit === undefined) throw where.unsupported(4, `unit of time range ${s[17]}`, t);
  const forecastTime = sint(s, 18, 4);
  const surf = s[22];
  let typeOfLevel = GRIB2_LEVELS[surf] ?? `surface${surf}`;
  let level = 0;
  if (!allOnes(s, 24, 4) && s[23] !== 255)
    level = sint(s, 24, 4) / 10 ** ((s[23] & 0x80 ? -1 : 1) * (s[23] & 0x7f));
  if (surf === 100) {
    if (level >= 100) level /= 100;
    else typeOfLevel = 'isobaricInPa';
  }
  level = Number(level.toPrecision(12));
  const out: Product = {
    param: grib2Param(discipline, category, number, typeOfLevel, level),
    typeOfLevel,
    level,
    stepHours: (forecastTime * unit) / 3600,
    stepType: 'instant',
  };
  if (tn === 1 || tn === 11) {
    const kind = s[34];
    out.number = s[35];
    out.totalNumber = s[36];
    out.dataType = kind === 0 || kind === 1 ? 'cf' : kind === 2 || kind === 3 ? 'pf' : undefined;
  }
  if (tn === 8 || tn === 11) {
    const r = tn === 8 ? 46 : 49; // first time-range specification
    const ru = GRIB2_UNITS[s[r + 2]];
    if (ru === undefined) throw where.unsupported(4, `unit of time range ${s[r + 2]}`, t);
    out.stepHours += (uint(s, r + 3, 4) * ru) / 3600;
    out.stepType = STAT_TYPES[s[r]] ?? `stat${s[r]}`;
  }
  return out;
}

function grib2Data(
  s: Uint8Array,
  where: Where,
): Omit<DataDescriptor, 'dataOffset' | 'dataLength' | 'bitmapOffset' | 'bitmapLength'> {
  const tn = uint(s, 9, 2);
  const t = `5.${tn}`;
  if (![0, 2, 3, 4, 40, 41, 42].includes(tn)) throw where.unsupported(5, 'data representation template', t);
  const minLen = { 0: 21, 2: 47, 3: 49, 4: 12, 40: 23, 41: 21, 42: 25 }[tn]!;
  if (s.length < minLen)
    throw where.bad(5, `section length ${s.length} is shorter than template ${t} (${minLen})`, t);
  const numberOfValues = uint(s, 5, 4);
  if (numberOfValues > MAX_POINTS) throw where.bad(5, `${numberOfValues} values`, t);
  if (tn === 4)
    return {
      template: 4,
      numberOfValues,
      reference: 0,
      binaryScale: 0,
      decimalScale: 0,
      bitsPerValue: s[11] === 2 ? 64 : 32,
      section5: s.slice(),
      unusedBits: 0,
    };
  const bits = s[19];
  if (bits > 32) throw where.bad(5, `${bits} bits per value`, t);
  if (allOnes(s, 15, 2) || allOnes(s, 17, 2))
    throw where.bad(5, 'binary or decimal scale factor is missing (all bits set)', t);
  if (s[20] !== 0 && s[20] !== 1) throw where.unsupported(5, `type of original field values ${s[20]}`, t);
  return {
    template: tn,
    numberOfValues,
    reference: ieee32(s, 11),
    binaryScale: sint(s, 15, 2),
    decimalScale: sint(s, 17, 2),
    bitsPerValue: bits,
    section5: s.slice(),
    unusedBits: 0,
  };
}

function parseGrib2(
  first: Uint8Array,
  full: () => Uint8Array,
  where: Where,
  length: number,
  discipline: number,
): GribField[] {
  let b = first;
  const need = (end: number) => {
    if (end > b.length) b = full();
  };
  const out: GribField[] = [];
  let q = 16;
  let refTime = NaN;
  let centre = 0;
  let grid: GribGrid | undefined;
  let product: Product | undefined;
  let data: ReturnType<typeof grib2Data> | undefined;
  let bitmap: { offset: number | null; length: number } | undefined;
  let lastBitmap: { offset: number | null; length: number } | undefined;
  let expect = 1;
  while (q < length - 4) {
    need(q + 5);
    const len = uint(b, q, 4);
    const num = b[q + 4];
    if (num < 1 || num > 7) throw where.bad(num, `unknown section number ${num} at byte ${q}`);
    checkSection(where, num, q, len, length - 4, 5);
    // Sections come in order 1..7; after 7 a new field may repeat from 2, 3 or 4 (Regulation 92.1.3).
    const ok =
      num === expect ||
      (num > expect && num <= 7 && expect === 2) ||
      (expect === 8 && num >= 2 && num <= 4) ||
      (expect === 3 && num === 3);
    if (!ok)
      throw where.bad(
        num,
        `section ${num} where section ${expect === 8 ? '2, 3 or 4' : expect} was expected`,
      );
    if (num === 1) {
      need(q + len);
      if (len < 21) throw where.bad(1, `section length ${len} is shorter than 21`);
      centre = uint(b, q + 5, 2);
      refTime = epoch(uint(b, q + 12, 2), b[q + 14], b[q + 15], b[q + 16], b[q + 17], b[q + 18]);
      expect = 2;
    } else if (num === 2) {
      expect = 3;
    } else if (num === 3) {
      need(q + len);
      grid = grib2Grid(b.subarray(q, q + len), where);
      expect = 4;
    } else if (num === 4) {
      need(q + len);
      product = grib2Product(b.subarray(q, q + len), where, discipline);
      expect = 5;
    } else if (num === 5) {
      need(q + len);
      data = grib2Data(b.subarray(q, q + len), where);
      expect = 6;
    } else if (num === 6) {
      need(q + 6);
      if (len < 6) throw where.bad(6, `section length ${len} is shorter than 6`);
      const ind = b[q + 5];
      if (ind === 0) bitmap = { offset: where.offset + q + 6, length: len - 6 };
      else if (ind === 255) bitmap = { offset: null, length: 0 };
      else if (ind === 254) {
        if (!lastBitmap)
          throw where.bad(6, 'bitmap indicator 254 (previously defined) without a previous bitmap');
        bitmap = lastBitmap;
      } else throw where.unsupported(6, `predefined bitmap ${ind}`);
      if (bitmap.offset !== null && bitmap.length * 8 < grid!.numberOfPoints)
        throw where.bad(6, `bitmap of ${bitmap.length * 8} bits for ${grid!.numberOfPoints} points`);
      lastBitmap = bitmap;
      expect = 7;
    } else {
      const g = grid!;
      const p = product!;
      const d = data!;
      const bm = bitmap!;
      if (bm.offset === null && d.numberOfValues !== g.numberOfPoints)
        throw where.bad(
          5,
          `${d.numberOfValues} values for ${g.numberOfPoints} grid points and no bitmap`,
          `5.${d.template}`,
        );
      out.push({
        message: where.message,
        field: out.length + 1,
        edition: 2,
        offset: where.offset,
        length,
        centre,
        param: p.param,
        typeOfLevel: p.typeOfLevel,
        level: p.level,
        ...(p.number !== undefined ? { number: p.number, totalNumber: p.totalNumber } : {}),
        ...(p.dataType ? { dataType: p.dataType } : {}),
        refTime,
        stepHours: p.stepHours,
        stepType: p.stepType,
        grid: g,
        data: {
          ...d,
          dataOffset: where.offset + q + 5,
          dataLength: len - 5,
          bitmapOffset: bm.offset,
          bitmapLength: bm.length,
        },
      });
      expect = 8;
    }
    q += len;
  }
  if (q !== length - 4)
    throw where.bad(8, `sections end at byte ${q}, not at the end marker (byte ${length - 4})`);
  if (out.length === 0) throw where.bad(7, 'message holds no data section');
  return out;
}
