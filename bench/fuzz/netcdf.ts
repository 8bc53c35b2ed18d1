/**
 * NetCDF in the fuzzer: netCDF-3 and netCDF-4/HDF5 sources from the real data, mutators that aim at their
 * structures (netCDF-3 header words; HDF5 signatures, chunk B-tree keys, zlib streams, checksums, with and
 * without the checksum recomputed), epp's reader (openDataset, every attribute and variable read whole) and
 * netCDF-C's ncdump as the reference (`ncdump -p 9,17` prints floats and doubles exactly).
 */
import { deflateSync } from 'node:zlib';
import { lookup3 } from '../../libs/netcdf/checksums.js';
import { openDataset } from '../../libs/netcdf/open.js';
import {
  bitflip,
  headBitflips,
  int,
  intField,
  mutation,
  pick,
  setByte,
  shift,
  truncate,
} from './mutators.js';
import { runTool } from './tool.js';
import type { FuzzFormat, Mutator, ReadVariable, Reference } from './types.js';

/** 4 netCDF-3 and 9 netCDF-4 files: ensembles, truths, coefficients, site series, dense attributes. */
export const NETCDF_SOURCES = [
  'earthkit_ens50/ens_50.nc3.nc',
  'improver_test_data_nc3/estimate-emos-coefficients/normal/kgo.nc',
  'improver_test_data_nc3/apply-emos-coefficients/normal/normal_coefficients.nc',
  'improver_test_data_nc3/estimate-emos-coefficients/normal/truth/20170602T1500Z-PT0000H-temperature_at_screen_level.nc',
  'improver_test_data/estimate-emos-coefficients/truncated_normal/history/20170602T0300Z-PT0012H-horizontal_wind_speed_at_10m.nc',
  'improver_test_data/estimate-emos-coefficients/normal/truth/20170602T1500Z-PT0000H-temperature_at_screen_level.nc',
  'improver_test_data/estimate-emos-coefficients/normal/kgo.nc',
  'improver_test_data/apply-emos-coefficients/realizations/realizations_coefficients.nc',
  'improver_test_data/estimate-emos-coefficients/normal/sites/history/20201209T1500Z-PT0012H00M-temperature_at_screen_level.nc',
  'improver_test_data/construct-reliability-tables/basic/forecast_0.nc',
  // wfrt_verif/raw.nc is left out: ncdump takes 18 s on it here (many tiny chunks), longer than a case.
  'improver_test_data/apply-emos-coefficients/normal/normal_coefficients.nc',
  'sites/gefs-innsbruck-tmin/observation.nc',
  'sites/ecmwf-frankfurt-precip/forecast.nc',
];

const SIGNATURES = [
  'OHDR',
  'OCHK',
  'TREE',
  'BTHD',
  'BTLF',
  'BTIN',
  'FRHP',
  'FHDB',
  'FHIB',
  'GCOL',
  'HEAP',
  'SNOD',
];

interface Nc3Info {
  kind: 'nc3';
  /** 4-byte-aligned offsets in the header: every one is a count, length, tag, type, offset or value word. */
  words: number[];
  firstNameLength: number;
}
interface Hdf5Info {
  kind: 'hdf5';
  signatures: { sig: string; at: number }[];
  /** Offsets of byte pairs that look like a zlib stream header (RFC 1950: CMF 0x78, (CMF·256+FLG) % 31 = 0). */
  zlib: number[];
}

/** A stream that inflates to 64 MiB of zeros (≈ 64 KB): a zlib bomb for one chunk. */
let bomb: Buffer | undefined;

function analyze(bytes: Buffer): Nc3Info | Hdf5Info {
  if (bytes.subarray(0, 3).toString('latin1') === 'CDF') {
    // The header ends where the first variable's data begins; a source is trusted, so read that loosely.
    const end = nc3HeaderEnd(bytes);
    const words: number[] = [];
    for (let at = 4; at + 4 <= end; at += 4) words.push(at);
    return { kind: 'nc3', words, firstNameLength: 16 };
  }
  const signatures: { sig: string; at: number }[] = [];
  for (const sig of SIGNATURES)
    for (let at = bytes.indexOf(sig, 0, 'latin1'); at >= 0; at = bytes.indexOf(sig, at + 1, 'latin1'))
      signatures.push({ sig, at });
  const zlib: number[] = [];
  for (let at = bytes.indexOf(0x78); at >= 0 && at + 2 < bytes.length; at = bytes.indexOf(0x78, at + 1))
    if ([0x01, 0x5e, 0x9c, 0xda].includes(bytes[at + 1])) zlib.push(at);
  return { kind: 'hdf5', signatures, zlib };
}

/** Where a (trusted, unmutated) netCDF-3 source's header ends: a walk over its lists. */
function nc3HeaderEnd(b: Buffer): number {
  let at = 8;
  const u32 = () => {
    const v = b.readUInt32BE(at);
    at += 4;
    return v;
  };
  const name = () => {
    const n = u32();
    at += Math.ceil(n / 4) * 4;
  };
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8 };
  const attrs = () => {
    u32();
    const n = u32();
    for (let i = 0; i < n; i++) {
      name();
      const t = u32();
      const k = u32();
      at += Math.ceil((k * sizes[t]) / 4) * 4;
    }
  };
  u32();
  const nd = u32();
  for (let i = 0; i < nd; i++) {
    name();
    u32();
  }
  attrs();
  u32();
  const nv = u32();
  for (let i = 0; i < nv; i++) {
    name();
    const rank = u32();
    at += 4 * rank;
    attrs();
    at += 8 + (b[3] === 2 ? 8 : 4);
  }
  return at;
}

function nearSignature(info: Hdf5Info, random: () => number, span = 96): number {
  const s = pick(random, info.signatures);
  return s.at + int(random, 4, span);
}

function nc3Field(): Mutator {
  return (bytes, random, info) => {
    const { words } = info as Nc3Info;
    return intField('nc3-header-field', words, false, [4, 8])(bytes, random, info);
  };
}

const nc3NameLength: Mutator = (bytes, random, info) => {
  const out = Buffer.from(bytes);
  const at = (info as Nc3Info).firstNameLength;
  const v = pick(random, [0x7fffffff, 0xffffffff, bytes.length, 0x10000000]);
  out.writeUInt32BE(v >>> 0, at);
  return mutation('nc3-name-length', `first name length -> ${v}`, out);
};

const hdf5Field: Mutator = (bytes, random, info) => {
  const at = nearSignature(info as Hdf5Info, random);
  return intField('hdf5-field', [at], true, [4, 8])(bytes, random, info);
};

const hdf5Bits: Mutator = (bytes, random, info) => {
  const out = Buffer.from(bytes);
  const at = Math.min(nearSignature(info as Hdf5Info, random, 256), out.length - 1);
  const bit = int(random, 0, 8);
  out[at] ^= 1 << bit;
  return mutation('hdf5-structure-bit', `byte ${at} bit ${bit}`, out);
};

/** A chunk B-tree key (chunk offsets, 8 bytes each, after the 8 + 2·8-byte node header). */
const chunkKey: Mutator = (bytes, random, info) => {
  const trees = (info as Hdf5Info).signatures.filter((s) => s.sig === 'TREE');
  if (!trees.length) return hdf5Field(bytes, random, info);
  const t = pick(random, trees);
  const at = t.at + 24 + 8 * int(random, 0, 24);
  return intField('chunk-key', [at], true, [8, 4])(bytes, random, info);
};

const zlibFlip: Mutator = (bytes, random, info) => {
  const z = (info as Hdf5Info).zlib;
  if (!z.length) return bitflip(bytes, random, info);
  const out = Buffer.from(bytes);
  const at = Math.min(pick(random, z) + int(random, 0, 64), out.length - 1);
  const bit = int(random, 0, 8);
  out[at] ^= 1 << bit;
  return mutation('zlib-flip', `byte ${at} bit ${bit}`, out);
};

/** A zlib stream replaced by one inflating to 64 MiB (a bomb) or to far fewer bytes than the chunk. */
const zlibReplace: Mutator = (bytes, random, info) => {
  const z = (info as Hdf5Info).zlib;
  if (!z.length) return truncate(bytes, random, info);
  const out = Buffer.from(bytes);
  const at = pick(random, z);
  const big = random() < 0.6;
  const stream = big
    ? (bomb ??= deflateSync(Buffer.alloc(64 << 20), { level: 9 }))
    : deflateSync(Buffer.alloc(int(random, 1, 4096), 7));
  const n = Math.min(stream.length, out.length - at);
  stream.copy(out, at, 0, n);
  return mutation(big ? 'zlib-bomb' : 'zlib-short', `stream at ${at} (${n} of ${stream.length} bytes)`, out);
};

/** A byte inside a version-2 object header changed and its lookup3 checksum recomputed: only the
 * structure checks can catch it. */
const checksumFixed: Mutator = (bytes, random, info) => {
  const heads = (info as Hdf5Info).signatures.filter((s) => s.sig === 'OHDR');
  if (!heads.length) return hdf5Bits(bytes, random, info);
  const p = pick(random, heads).at;
  const flags = bytes[p + 5];
  const sizeAt = p + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const sizeBytes = 1 << (flags & 3);
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + bytes[sizeAt + i];
  const end = sizeAt + sizeBytes + size;
  if (end + 4 > bytes.length || size === 0) return hdf5Bits(bytes, random, info);
  const out = Buffer.from(bytes);
  const at = int(random, sizeAt + sizeBytes, end);
  const v = pick(random, [0, 0xff, 1, int(random, 0, 256), out[at] ^ (1 << int(random, 0, 8))]);
  out[at] = v;
  out.writeUInt32LE(lookup3(out.subarray(p, end)), end);
  return mutation('checksum-fixed', `object header at ${p}: byte ${at} -> ${v}, checksum recomputed`, out);
};

/** A checksum itself flipped (the structure is intact; HDF5 refuses it). */
const checksumFlip: Mutator = (bytes, random, info) => {
  const heads = (info as Hdf5Info).signatures.filter((s) =>
    ['OHDR', 'BTHD', 'BTLF', 'FRHP', 'FHIB'].includes(s.sig),
  );
  if (!heads.length) return hdf5Bits(bytes, random, info);
  const out = Buffer.from(bytes);
  const s = pick(random, heads);
  // Search forward for the first 4 bytes whose lookup3 checksum matches (the structure's own checksum).
  for (let end = s.at + 12; end + 4 <= Math.min(out.length, s.at + 4096); end++)
    if (lookup3(out.subarray(s.at, end)) === out.readUInt32LE(end)) {
      const at = end + int(random, 0, 4);
      out[at] ^= 1 << int(random, 0, 8);
      return mutation('checksum-flip', `${s.sig} at ${s.at}: checksum byte ${at}`, out);
    }
  return hdf5Bits(bytes, random, info);
};

const mutate: Mutator = (bytes, random, info) => {
  const i = info as Nc3Info | Hdf5Info;
  const generic: [Mutator, number][] = [
    [bitflip, 2],
    [setByte, 2],
    [truncate, 1],
    [shift, 1],
    [headBitflips(i.kind === 'nc3' ? 1024 : 8192), 2],
  ];
  const specific: [Mutator, number][] =
    i.kind === 'nc3'
      ? [
          [nc3Field(), 6],
          [nc3NameLength, 1],
        ]
      : [
          [hdf5Field, 3],
          [hdf5Bits, 3],
          [chunkKey, 2],
          [zlibFlip, 2],
          [zlibReplace, 2],
          [checksumFixed, 2],
          [checksumFlip, 1],
        ];
  const all = [...generic, ...specific];
  let r = random() * all.reduce((s, [, w]) => s + w, 0);
  for (const [m, w] of all) {
    r -= w;
    if (r < 0) return m(bytes, random, info);
  }
  return bitflip(bytes, random, info);
};

/** Every attribute and every variable read whole, raw (as stored: what ncdump prints). */
async function read(file: string): Promise<ReadVariable[]> {
  const ds = await openDataset(file);
  try {
    void ds.attrs;
    const out: ReadVariable[] = [];
    for (const v of ds.variables) {
      const attrs = v.attrs;
      const { data } = ds.readRaw(v.name);
      const fill = typeof attrs._FillValue === 'number' ? attrs._FillValue : DEFAULT_FILL[v.dtype];
      out.push({
        name: v.name,
        dtype: v.dtype,
        fill,
        values: Array.isArray(data) ? null : Float64Array.from(data as ArrayLike<number>),
      });
    }
    return out;
  } finally {
    ds.close();
  }
}

/** netCDF default fill values (netcdf.h NC_FILL_*). */
const DEFAULT_FILL: Record<string, number> = {
  byte: -127,
  ubyte: 255,
  short: -32767,
  ushort: 65535,
  int: -2147483647,
  uint: 4294967295,
  int64: Number(-9223372036854775806n),
  uint64: Number(18446744073709551614n),
  float: 9.969209968386869e36,
  double: 9.969209968386869e36,
};

/** ncdump's verdict and printed data values per variable (strings and char data are skipped). */
async function reference(file: string, timeoutMs: number): Promise<Reference> {
  const r = await runTool('ncdump', ['-p', '9,17', file], timeoutMs, 256 << 20);
  if (r.failure === 'ENOENT') return { status: 'skipped', message: 'ncdump not installed' };
  if (r.failure === 'overflow') return { status: 'skipped', message: 'ncdump printed more than 256 MiB' };
  if (r.failure === 'timeout') return { status: 'skipped', message: `ncdump ran over ${timeoutMs} ms` };
  if (r.status !== 0)
    return {
      status: 'rejected',
      message: (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n')[0],
    };
  return { status: 'accepted', values: parseCdlData(r.stdout) };
}

/** The `data:` section of CDL: variable name → value tokens (quoted text skipped). */
export function parseCdlData(cdl: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const start = cdl.indexOf('\ndata:\n');
  if (start < 0) return out;
  let i = start + 7;
  const n = cdl.length;
  while (i < n) {
    const eq = cdl.indexOf(' =', i);
    if (eq < 0) break;
    const name = cdl.slice(i, eq).trim();
    if (name === '}' || name.startsWith('}')) break;
    let j = eq + 2;
    let quoted = false;
    let text = false;
    let tok = '';
    const tokens: string[] = [];
    for (; j < n; j++) {
      const ch = cdl[j];
      if (quoted) {
        if (ch === '\\') j++;
        else if (ch === '"') quoted = false;
        continue;
      }
      if (ch === '"') {
        quoted = true;
        text = true;
        continue;
      }
      if (ch === ';') break;
      if (ch === ',' || ch === ' ' || ch === '\n' || ch === '\t') {
        if (tok) tokens.push(tok);
        tok = '';
      } else tok += ch;
    }
    if (tok) tokens.push(tok);
    if (!text) out.set(name.replace(/\\(.)/g, '$1'), tokens);
    i = j + 1;
  }
  return out;
}

function same(printed: string, ours: number, v: ReadVariable): boolean {
  if (printed === '_') {
    if (v.fill === undefined) return false;
    if (Number.isNaN(v.fill)) return Number.isNaN(ours);
    return ours === v.fill || Math.abs(ours - v.fill) <= 1e-6 * Math.abs(v.fill);
  }
  const x = printed === 'NaN' || printed === 'NaNf' ? NaN : Number(printed.replace(/f$/, ''));
  if (Number.isNaN(x)) return Number.isNaN(ours);
  if (v.dtype === 'float') return Math.fround(x) === ours;
  if (v.dtype === 'int64' || v.dtype === 'uint64') return Number(BigInt(printed)) === ours;
  return x === ours;
}

export const netcdfFormat: FuzzFormat = {
  name: 'netcdf',
  referenceName: 'netCDF-C (ncdump)',
  sources: NETCDF_SOURCES,
  analyze,
  mutators: [[mutate, 1]],
  read,
  reference,
  same,
};
