/**
 * Hostile files of issue 13 (NetCDF) and 18 (GRIB), generated into a temporary folder (never committed) from
 * the real data: each one hung, blew up or poisoned the API before it opened untrusted files in a guarded
 * child process (or hung the GRIB reader before session 4). Used by bench/hostile and test/e2e/hostile-uploads.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';

/** The MOGREPS-UK 10 m wind speed file (netCDF-4: 12 zlib+shuffle chunks of 1×200×200 float), under the real data. */
export const WIND_FILE =
  'improver_test_data/estimate-emos-coefficients/truncated_normal/history/20170602T0300Z-PT0012H-horizontal_wind_speed_at_10m.nc';
export const WIND_REQUEST = { variable: 'wind_speed' };

export interface AttackFile {
  name: string;
  file: string;
  /** Multipart fields of a request that would read the poisoned part. */
  fields: Record<string, string>;
}

/** One byte (2517 → 4) of the wind file's object headers that sends h5wasm into an endless loop on open. */
export function h5wasmLoop(dir: string, wind: string): AttackFile {
  const b = readFileSync(wind);
  b[2517] = 4;
  const file = path.join(dir, 'h5wasm-loop.nc');
  writeFileSync(file, b);
  return { name: 'netCDF-4, byte 2517 = 4 (h5wasm loops)', file, fields: WIND_REQUEST };
}

/**
 * A netCDF-3 header whose first dimension name claims 0x7fffffff bytes, padded (sparse) to `mib` MiB: the
 * name is as long as the file, and a reader that builds it char by char runs for seconds at GiBs.
 */
export function nc3NameBomb(dir: string, mib: number): AttackFile {
  const file = path.join(dir, `nc3-name-${mib}mib.nc`);
  const head = Buffer.alloc(20);
  head.write('CDF\x01', 0, 'latin1');
  head.writeUInt32BE(0, 4); // numrecs
  head.writeUInt32BE(0x0a, 8); // NC_DIMENSION
  head.writeUInt32BE(1, 12); // one dimension
  head.writeUInt32BE(0x7fffffff, 16); // its name length
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    // The name's "characters": 'a's (a sparse tail of zeros would be read as NULs just the same).
    writeSync(fd, Buffer.alloc(1 << 20, 0x61), 0, 1 << 20, head.length);
    ftruncateSync(fd, mib * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  return { name: `netCDF-3, name length 0x7fffffff, ${mib} MiB`, file, fields: { variable: 't' } };
}

/** A zlib stream of `n` zero bytes, built from one flushed block repeated (so it is made in milliseconds). */
export function zlibZeros(n: number): Buffer {
  const piece = 1 << 20;
  if (n % piece !== 0) throw new Error('zlibZeros: n must be a multiple of 1 MiB');
  // After a full flush the compressor starts afresh, so every 1 MiB block compresses to the same bytes.
  const block = deflateRawSync(Buffer.alloc(piece), { finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(Buffer.alloc(0)); // an empty final block
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((n % 65521) << 16) | 1) >>> 0); // Adler-32 of n zeros: a = 1, b = n mod 65521
  return Buffer.concat([Buffer.from([0x78, 0x9c]), ...Array<Buffer>(n / piece).fill(block), last, adler]);
}

/** Leaf entries of the version-1 chunk B-trees of a rank-3 variable: offsets of (size, address) fields. */
function chunkEntries(b: Buffer): { sizeAt: number; addrAt: number; size: number; addr: number }[] {
  const out = [];
  for (let at = b.indexOf('TREE'); at >= 0; at = b.indexOf('TREE', at + 4)) {
    if (b[at + 4] !== 1 || b[at + 5] !== 0) continue; // chunk node, leaf
    const entries = b.readUInt16LE(at + 6);
    const key = 8 + 8 * 4; // size, filter mask, 3 dims + the datatype offset
    for (let i = 0; i < entries; i++) {
      const e = at + 8 + 16 + i * (key + 8);
      const size = b.readUInt32LE(e);
      const addr = Number(b.readBigUInt64LE(e + key));
      if (addr + size <= b.length && b[addr] === 0x78) out.push({ sizeAt: e, addrAt: e + key, size, addr });
    }
  }
  if (!out.length) throw new Error('no chunk B-tree entries found in the wind file');
  return out;
}

/**
 * A zlib bomb: the wind file (1.4 MB) with a 3 GiB zero stream (3 MB) appended and every wind_speed chunk
 * pointing at it — each 160 KB chunk inflates to 3 GiB.
 */
export function zlibBomb(dir: string, wind: string, gib = 3): AttackFile {
  const b = Buffer.from(readFileSync(wind));
  const bomb = zlibZeros(gib * 1024 ** 3);
  for (const e of chunkEntries(b)) {
    b.writeUInt32LE(bomb.length, e.sizeAt);
    b.writeBigUInt64LE(BigInt(b.length), e.addrAt);
  }
  const file = path.join(dir, 'zlib-bomb.nc');
  writeFileSync(file, Buffer.concat([b, bomb]));
  return { name: `netCDF-4 zlib bomb (chunks inflate to ${gib} GiB)`, file, fields: WIND_REQUEST };
}

/** The wind file with one byte flipped inside every compressed chunk (zlib fails or checksums mismatch). */
export function corruptChunk(dir: string, wind: string): AttackFile {
  const b = Buffer.from(readFileSync(wind));
  for (const e of chunkEntries(b)) b[e.addr + Math.floor(e.size / 2)] ^= 0xff;
  const file = path.join(dir, 'corrupt-chunk.nc');
  writeFileSync(file, b);
  return { name: 'netCDF-4 with corrupt chunks', file, fields: WIND_REQUEST };
}

/** The ERA5 GRIB1 file under the real data. */
export const ERA5_GRIB = 'cfgrib_era5_eda/era5-levels-members.grib';

/** The ERA5 GRIB file with a cut 'GRIB' after its last message (the GRIB scanner looped on it forever). */
export function gribCutMagic(dir: string, era5Grib: string): AttackFile {
  const file = path.join(dir, 'grib-cut-magic.grib');
  writeFileSync(file, Buffer.concat([readFileSync(era5Grib), Buffer.from('GRIB')]));
  return {
    name: "GRIB, a cut 'GRIB' at the end (scanner loop)",
    file,
    fields: { variable: 't', level: '850' },
  };
}

/** A GRIB2 regular Gaussian field whose N claims 16 million (the Legendre roots took minutes before). */
export function gribGaussianN(dir: string): AttackFile {
  const file = path.join(dir, 'grib-gaussian-n.grib');
  writeFileSync(file, gaussianGrib2(16776736));
  return {
    name: 'GRIB2 Gaussian N = 16776736 (Legendre roots)',
    file,
    fields: { variable: 't', level: '850' },
  };
}

/** A one-field GRIB2 message: t at 850 hPa on a 4×2 regular Gaussian grid (template 3.40, N given), simple packing, constant. */
export function gaussianGrib2(n: number): Buffer {
  const sec = (num: number, body: number[]): Buffer => {
    const b = Buffer.alloc(5 + body.length);
    b.writeUInt32BE(b.length, 0);
    b[4] = num;
    Buffer.from(body).copy(b, 5);
    return b;
  };
  const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const s1 = sec(1, [0, 98, 0, 0, 28, 0, 1, 0x07, 0xe1, 1, 1, 0, 0, 0, 0, 2]);
  const s3 = sec(3, [
    0,
    ...u32(8),
    0,
    0,
    0,
    40, // source, number of points, no pl, template 3.40
    6,
    0,
    ...u32(0),
    0,
    ...u32(0),
    0,
    ...u32(0), // shape of the earth
    ...u32(4),
    ...u32(2),
    ...u32(0),
    ...u32(0xffffffff), // Ni, Nj, basic angle, subdivisions
    ...u32(35264390),
    ...u32(0),
    0x30,
    ...u32(0x80000000 | 35264390),
    ...u32(270000000), // La1 Lo1 flags La2 Lo2
    ...u32(90000000),
    ...u32(n),
    0, // Di, N, scanning mode
  ]);
  const s4 = sec(4, [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    255,
    0,
    0,
    1,
    ...u32(0),
    100,
    0,
    ...u32(85000),
    255,
    0,
    ...u32(0),
  ]);
  const s5 = sec(5, [...u32(8), 0, 0, 0x43, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0]); // R = 273, 0 bits
  const s6 = sec(6, [255]);
  const s7 = sec(7, []);
  const body = Buffer.concat([s1, s3, s4, s5, s6, s7]);
  const head = Buffer.alloc(16);
  head.write('GRIB', 0, 'latin1');
  head[6] = 0;
  head[7] = 2;
  head.writeBigUInt64BE(BigInt(16 + body.length + 4), 8);
  return Buffer.concat([head, body, Buffer.from('7777')]);
}
