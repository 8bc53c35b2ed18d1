/**
 * GRIB in the fuzzer: the two real GRIB files (ERA5 EDA GRIB1, ECMWF ENS GRIB1) and the committed GRIB1/GRIB2
 * fixtures (every packing, bitmaps, scanning modes, Gaussian and projected grids), mutators that aim at GRIB's
 * structures (message and section lengths, template numbers, grid sizes, packing parameters, bitmaps, the
 * compressed data streams, end markers), epp's reader (the index decoding every field, then openDataset with
 * every variable read whole, as the service reads it) and ecCodes' `grib_get_data` as the reference: a file
 * ecCodes refuses must not be accepted, and where both accept every value must be the one ecCodes prints.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openGribIndex } from '../../libs/grib/open.js';
import { openDataset } from '../../libs/netcdf/open.js';
import { bitflip, hostileValues, int, mutation, pick, setByte, shift, truncate } from './mutators.js';
import { runTool } from './tool.js';
import type { GribGrid } from '../../libs/grib/types.js';
import type { FuzzFormat, Mutator, ReadVariable, Reference } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this module runs from dist/bench/fuzz or, under jest, from bench/fuzz). */
const ROOT = here.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(here, '../../..')
  : path.resolve(here, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/grib');

/** The real files (relative to the real-data root) and the fixtures (absolute: they live in the repo). */
export const GRIB_SOURCES = [
  'cfgrib_era5_eda/era5-levels-members.grib',
  'earthkit_ens50/ens_50.grib',
  ...[
    'era5_g1.grib',
    'era5_g2_simple.grib',
    'era5_g2_complex.grib',
    'era5_g2_complex_spatial_differencing.grib',
    'era5_g2_ccsds.grib',
    'era5_g2_jpeg.grib',
    'era5_g2_png.grib',
    'era5_bitmap_g1.grib',
    'era5_bitmap_g2_ccsds.grib',
    'era5_scan_i.grib',
    'era5_scan_j.grib',
    'ens50_g2.grib',
    'ens50_g2_accum.grib',
    'lambert_g2.grib',
    'polar_g2.grib',
    'reduced_gg_g1.grib',
    'reduced_gg_g2.grib',
    'regular_gg_g2.grib',
  ].map((f) => path.join(FIXTURES, f)),
];

/** One section of a (trusted) source message: where it starts, its length and number. */
interface Section {
  num: number;
  at: number;
  length: number;
}
interface Message {
  at: number;
  length: number;
  edition: number;
  sections: Section[];
}
interface GribInfo {
  messages: Message[];
}

function u(b: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[at + i];
  return v;
}

function setU(b: Buffer, at: number, n: number, v: number): void {
  for (let i = n - 1; i >= 0; i--) {
    b[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Walk the (unmutated) source: messages by their lengths, sections by theirs. */
function analyze(bytes: Buffer): GribInfo {
  const messages: Message[] = [];
  for (let at = bytes.indexOf('GRIB', 0, 'latin1'); at >= 0;) {
    const edition = bytes[at + 7];
    const length = edition === 1 ? u(bytes, at + 4, 3) : u(bytes, at + 8, 8);
    const sections: Section[] = [];
    if (edition === 1) {
      let q = at + 8;
      const flags = bytes[q + 7];
      for (const num of [1, 2, 3, 4]) {
        if ((num === 2 && !(flags & 0x80)) || (num === 3 && !(flags & 0x40))) continue;
        const len = u(bytes, q, 3);
        sections.push({ num, at: q, length: len });
        q += len;
      }
    } else
      for (let q = at + 16; q < at + length - 4;) {
        const len = u(bytes, q, 4);
        sections.push({ num: bytes[q + 4], at: q, length: len });
        q += len;
      }
    messages.push({ at, length, edition, sections });
    at = bytes.indexOf('GRIB', at + length, 'latin1');
  }
  return { messages };
}

function message(info: unknown, random: () => number): Message {
  return pick(random, (info as GribInfo).messages);
}

function section(m: Message, random: () => number, nums?: number[]): Section | undefined {
  const s = m.sections.filter((x) => !nums || nums.includes(x.num));
  return s.length ? pick(random, s) : undefined;
}

/** An unsigned big-endian field of `n` bytes set to a hostile value (zero, one, extremes, near the file size). */
function hostileField(kind: string, at: number, n: number): Mutator {
  return (bytes, random) => {
    const out = Buffer.from(bytes);
    if (at + n > out.length) return bitflip(bytes, random, undefined);
    const max = 2 ** (8 * n) - 1;
    const was = u(out, at, n);
    const values = [...hostileValues(was, bytes.length, 32), max, max - 1, 2 ** (8 * n - 1)].filter(
      (v) => v <= max,
    );
    const v = pick(random, values);
    setU(out, at, n, v);
    return mutation(kind, `${n}-byte field at ${at}: ${was} -> ${v}`, out);
  };
}

/** The total length of one message (GRIB1: 3 bytes at 4; GRIB2: 8 bytes at 8). */
const messageLength: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  return m.edition === 1
    ? hostileField('message-length', m.at + 4, 3)(bytes, random, info)
    : hostileField('message-length', m.at + 8, 8)(bytes, random, info);
};

/** One section's length field (GRIB1: 3 bytes; GRIB2: 4 bytes). */
const sectionLength: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random)!;
  return hostileField('section-length', s.at, m.edition === 1 ? 3 : 4)(bytes, random, info);
};

/** A template number (grid 3.x, product 4.x, data representation 5.x; GRIB1 grid type, data flags). */
const templateNumber: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const out = Buffer.from(bytes);
  const known = [0, 1, 2, 3, 4, 5, 8, 10, 11, 20, 30, 40, 41, 42, 50, 51, 61, 90, 200, 255, 65535];
  const v = pick(random, [...known, int(random, 0, 65536)]);
  if (m.edition === 1) {
    const s = section(m, random, [2, 4]);
    if (!s) return bitflip(bytes, random, info);
    const at = s.num === 2 ? s.at + 5 : s.at + 3;
    const was = out[at];
    out[at] = v & 0xff;
    return mutation('template', `GRIB1 section ${s.num} byte ${at}: ${was} -> ${v & 0xff}`, out);
  }
  const s = section(m, random, [3, 4, 5]);
  if (!s) return bitflip(bytes, random, info);
  const at = s.at + { 3: 12, 4: 7, 5: 9 }[s.num as 3 | 4 | 5];
  const was = u(out, at, 2);
  setU(out, at, 2, v);
  return mutation('template', `section ${s.num} template ${was} -> ${v}`, out);
};

/** Grid sizes: Ni, Nj, the number of points, the Gaussian N, the pl list's octets. */
const gridField: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random, [m.edition === 1 ? 2 : 3]);
  if (!s) return bitflip(bytes, random, info);
  const fields: [number, number][] =
    m.edition === 1
      ? [
          [6, 2],
          [8, 2],
          [25, 2],
          [3, 1],
          [4, 1],
        ]
      : [
          [6, 4],
          [10, 1],
          [30, 4],
          [34, 4],
          [67, 4],
        ];
  const [off, n] = pick(random, fields);
  return hostileField('grid-size', s.at + off, n)(bytes, random, info);
};

/** A pl (points per row) entry of a reduced grid, or any word at the end of the grid section. */
const plEntry: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random, [m.edition === 1 ? 2 : 3]);
  if (!s) return bitflip(bytes, random, info);
  const at = s.at + s.length - 2 * int(random, 1, Math.max(2, Math.min(64, (s.length - 40) / 2)));
  return hostileField('pl-entry', at, 2)(bytes, random, info);
};

/** Packing parameters: bits per value, scale factors, number of values, complex-packing groups, CCSDS. */
const packingField: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const out = Buffer.from(bytes);
  if (m.edition === 1) {
    const s = section(m, random, [4]);
    if (!s) return bitflip(bytes, random, info);
    const [off, n] = pick(random, [
      [10, 1],
      [4, 2],
      [3, 1],
    ] as [number, number][]);
    if (off === 10) {
      const v = pick(random, [0, 1, 7, 8, 16, 24, 25, 31, 32, 33, 64, 255]);
      const was = out[s.at + 10];
      out[s.at + 10] = v;
      return mutation('packing', `GRIB1 bits per value ${was} -> ${v}`, out);
    }
    return hostileField('packing', s.at + off, n)(bytes, random, info);
  }
  const s = section(m, random, [5]);
  if (!s) return bitflip(bytes, random, info);
  const fields: [number, number][] = [
    [5, 4], // number of values
    [15, 2], // binary scale
    [17, 2], // decimal scale
    [19, 1], // bits per value
    [21, 1], // complex: group splitting / CCSDS flags
    [22, 1], // complex: missing management / CCSDS block size
    [23, 2], // CCSDS reference sample interval
    [31, 4], // complex: number of groups
    [35, 1],
    [36, 1],
    [37, 4],
    [41, 1],
    [42, 4],
    [46, 1],
    [47, 1], // spatial differencing order
    [48, 1], // its descriptor octets
  ];
  const [off, n] = pick(
    random,
    fields.filter(([o, k]) => o + k <= s.length),
  );
  if (off === 19) {
    const v = pick(random, [0, 1, 7, 8, 12, 16, 24, 25, 31, 32, 33, 64, 255]);
    const was = out[s.at + 19];
    out[s.at + 19] = v;
    return mutation('packing', `bits per value ${was} -> ${v}`, out);
  }
  return hostileField('packing', s.at + off, n)(bytes, random, info);
};

/** Bit flips in the first bytes of the data (where CCSDS, PNG, JPEG 2000 headers and complex descriptors are). */
const dataFlip: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random, [m.edition === 1 ? 4 : 7]);
  if (!s) return bitflip(bytes, random, info);
  const out = Buffer.from(bytes);
  const head = m.edition === 1 ? 11 : 5;
  const at = s.at + head + int(random, 0, Math.max(1, Math.min(256, s.length - head)));
  const bit = int(random, 0, 8);
  out[at] ^= 1 << bit;
  return mutation('data-flip', `message at ${m.at} section ${s.num}: byte ${at} bit ${bit}`, out);
};

/** A few bits flipped in the metadata sections of one message (1 to 6). */
const metaBits: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random, m.edition === 1 ? [1, 2, 3] : [1, 3, 4, 5, 6]);
  if (!s) return bitflip(bytes, random, info);
  const out = Buffer.from(bytes);
  const where: string[] = [];
  for (let k = int(random, 1, 4); k > 0; k--) {
    const at = s.at + int(random, 0, Math.min(s.length, 4096));
    const bit = int(random, 0, 8);
    out[at] ^= 1 << bit;
    where.push(`${at}.${bit}`);
  }
  return mutation('meta-bits', `section ${s.num} of the message at ${m.at}: bits ${where.join(' ')}`, out);
};

/** The bitmap: its indicator (GRIB2 section 6 octet 6, GRIB1 table reference) or a bit of the map. */
const bitmap: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const s = section(m, random, [m.edition === 1 ? 3 : 6]);
  if (!s) return metaBits(bytes, random, info);
  const out = Buffer.from(bytes);
  if (random() < 0.5) {
    const at = m.edition === 1 ? s.at + 4 : s.at + 5;
    const v = pick(random, [0, 1, 254, 255, 100]);
    const was = out[at];
    out[at] = v;
    return mutation('bitmap', `indicator byte ${at}: ${was} -> ${v}`, out);
  }
  const at = s.at + 6 + int(random, 0, Math.max(1, s.length - 6));
  out[at] = pick(random, [0, 0xff, out[at] ^ 1]);
  return mutation('bitmap', `bitmap byte ${at}`, out);
};

/** The end: '7777' damaged, a message dropped, duplicated or cut, junk between messages. */
const structure: Mutator = (bytes, random, info) => {
  const m = message(info, random);
  const end = m.at + m.length;
  const r = random();
  if (r < 0.25) {
    const out = Buffer.from(bytes);
    const at = end - 4 + int(random, 0, 4);
    out[at] = 0x36;
    return mutation('structure', `end marker byte ${at} -> '6'`, out);
  }
  if (r < 0.5)
    return mutation(
      'structure',
      `message at ${m.at} dropped`,
      Buffer.concat([bytes.subarray(0, m.at), bytes.subarray(end)]),
    );
  if (r < 0.75) {
    const cut = m.at + int(random, 1, m.length);
    return mutation(
      'structure',
      `message at ${m.at} cut at byte ${cut}`,
      Buffer.concat([bytes.subarray(0, cut), bytes.subarray(end)]),
    );
  }
  const junk = Buffer.from(
    pick(random, ['GRIB', 'GRI', '7777', 'xxxxxxxx', '\0\0\0\0GRIB\0\0\0\x02']),
    'latin1',
  );
  return mutation(
    'structure',
    `${JSON.stringify(junk.toString('latin1'))} inserted at ${end}`,
    Buffer.concat([bytes.subarray(0, end), junk, bytes.subarray(end)]),
  );
};

const MUTATORS: [Mutator, number][] = [
  [bitflip, 2],
  [setByte, 2],
  [truncate, 1],
  [shift, 1],
  [messageLength, 1],
  [sectionLength, 3],
  [templateNumber, 2],
  [gridField, 3],
  [plEntry, 1],
  [packingField, 4],
  [dataFlip, 3],
  [metaBits, 3],
  [bitmap, 1],
  [structure, 1],
];

/**
 * Every field decoded through the index (the values compared with ecCodes, in file order), then the file
 * opened as a dataset and every variable read whole (the service's path: its layout and coordinates).
 */
async function read(file: string): Promise<ReadVariable[]> {
  const out: ReadVariable[] = [];
  const index = await openGribIndex(file);
  try {
    index.fields.forEach((f, k) =>
      out.push({ name: `field ${k + 1}`, dtype: 'float', values: eccodesOrder(f.grid, index.values(f)) }),
    );
  } finally {
    index.close();
  }
  const ds = await openDataset(file);
  try {
    void ds.attrs;
    for (const v of ds.variables) {
      void v.attrs;
      ds.readRaw(v.name);
    }
  } finally {
    ds.close();
  }
  return out;
}

/**
 * Values in the order grib_get_data prints them: storage order, except on projected grids, whose iterators
 * (lambert, polar stereographic) first move the values to +i +j order (ecCodes transform_iterator_data and
 * pointer_to_data in grib_iterator.c).
 */
function eccodesOrder(g: GribGrid, v: Float32Array): Float64Array {
  const canonical =
    !g.iScansNegatively && g.jScansPositively && !g.jPointsAreConsecutive && !g.alternativeRowScanning;
  if ((g.type !== 'lambert' && g.type !== 'polar_stereographic') || canonical) return Float64Array.from(v);
  const { nx, ny } = g;
  const out = new Float64Array(nx * ny);
  for (let iy = 0; iy < ny; iy++) {
    const j = g.jScansPositively ? iy : ny - 1 - iy;
    for (let ix = 0; ix < nx; ix++) {
      let i = g.alternativeRowScanning && j % 2 === 1 ? nx - 1 - ix : ix;
      if (g.iScansNegatively) i = nx - 1 - i;
      out[iy * nx + ix] = v[g.jPointsAreConsecutive ? j + i * ny : i + nx * j];
    }
  }
  return out;
}

/**
 * ecCodes' verdict and values: `grib_get_data` prints one block per field (a "Latitude Longitude Value"
 * header, then one line per point) with values as exact doubles and missing points as `nan`.
 */
async function reference(file: string, timeoutMs: number): Promise<Reference> {
  const r = await runTool('grib_get_data', ['-m', 'nan', '-F', '%.17g', file], timeoutMs, 512 << 20);
  if (r.failure === 'ENOENT') return { status: 'skipped', message: 'grib_get_data not installed' };
  if (r.failure === 'overflow')
    return { status: 'skipped', message: 'grib_get_data printed more than 512 MiB' };
  if (r.failure === 'timeout')
    return { status: 'skipped', message: `grib_get_data ran over ${timeoutMs} ms` };
  if (r.status !== 0)
    return {
      status: 'rejected',
      message: (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n')[0],
    };
  return { status: 'accepted', values: parseGetData(r.stdout) };
}

/** `grib_get_data` output → "field k" → the value column. */
export function parseGetData(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let values: string[] | undefined;
  let k = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('Latitude')) {
      values = [];
      out.set(`field ${++k}`, values);
      continue;
    }
    const t = line.trim();
    if (!t || !values) continue;
    values.push(t.slice(t.lastIndexOf(' ') + 1));
  }
  return out;
}

/** ecCodes decodes in double; epp returns float32: equal when the double rounds to epp's value. */
function same(printed: string, ours: number): boolean {
  const p = printed.toLowerCase();
  if (p === 'nan' || p === '-nan') return Number.isNaN(ours);
  const x = p === 'inf' ? Infinity : p === '-inf' ? -Infinity : Number(p);
  if (Number.isNaN(x)) return false;
  return Math.fround(x) === ours;
}

export const gribFormat: FuzzFormat = {
  name: 'grib',
  referenceName: 'ecCodes (grib_get_data)',
  sources: GRIB_SOURCES,
  analyze,
  mutators: MUTATORS,
  read,
  reference,
  same,
};
