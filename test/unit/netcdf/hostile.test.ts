/**
 * The hostile files of issue 13, rebuilt from the fixtures and the real data at test time: each is refused
 * with a CorruptNetcdfError (an InvalidNetcdfError) whose one-line message names the file, the structure and
 * its byte offset; engine messages (zlib) are in `cause`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { CorruptNetcdfError, type EppError, InvalidNetcdfError } from '../../../libs/contracts/errors.js';
import { lookup3 } from '../../../libs/netcdf/checksums.js';
import { openNc4 } from '../../../libs/netcdf/nc4Store.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { describeRealData, realFile, realSiteFile } from '../../helpers/realData.js';
import { FIXTURE_DIR, fixturePath } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Open `bytes` as a file and read every variable and attribute; the error it fails with. */
/** A version-2 object header's message area [start, end) and where its lookup3 checksum sits (= end). */
function ohdrV2(b: Buffer, p: number): { first: number; end: number } {
  const flags = b[p + 5];
  const sizeAt = p + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const sizeBytes = 1 << (flags & 3);
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + b[sizeAt + i];
  return { first: sizeAt + sizeBytes, end: sizeAt + sizeBytes + size };
}

async function failure(name: string, bytes: Buffer): Promise<EppError> {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  try {
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
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidNetcdfError);
    const e = err as EppError;
    expect(e.message).toContain(file);
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error(`${name} was read without error`);
}

/** Positions of a netCDF-3 header's first dimension length and of each variable's `begin` (classic). */
function nc3Fields(b: Buffer): { dimLength: number; begins: number[] } {
  let at = 16;
  const name = () => {
    const n = b.readUInt32BE(at);
    at += 4 + Math.ceil(n / 4) * 4;
  };
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8 };
  const attrs = () => {
    at += 4;
    const n = b.readUInt32BE(at);
    at += 4;
    for (let i = 0; i < n; i++) {
      name();
      const t = b.readUInt32BE(at);
      const k = b.readUInt32BE(at + 4);
      at += 8 + Math.ceil((k * sizes[t]) / 4) * 4;
    }
  };
  const nd = b.readUInt32BE(12);
  let dimLength = -1;
  for (let i = 0; i < nd; i++) {
    name();
    if (i === 0) dimLength = at;
    at += 4;
  }
  attrs();
  at += 4;
  const nv = b.readUInt32BE(at);
  at += 4;
  const begins: number[] = [];
  for (let i = 0; i < nv; i++) {
    name();
    at += 4 + 4 * b.readUInt32BE(at);
    attrs();
    at += 8;
    begins.push(at);
    at += 4;
  }
  return { dimLength, begins };
}

describe('hostile netCDF-3 headers', () => {
  test('a first name length of 0x7fffffff is refused before anything is read for it', async () => {
    const b = Buffer.from(readFileSync(fixturePath('classic')));
    b.writeUInt32BE(0x7fffffff, 16);
    const err = await failure('name-length.nc', b);
    expect(err).toBeInstanceOf(CorruptNetcdfError);
    expect(err.message).toMatch(
      /corrupt netCDF-3 header \(dimension 0 name of 2147483647 bytes\) at byte 20: needs 2147483648 bytes, the file ends at byte \d+/,
    );
  });

  test("a variable's begin pointing into the header", async () => {
    const b = Buffer.from(readFileSync(fixturePath('classic')));
    b.writeUInt32BE(32, nc3Fields(b).begins[0]);
    const err = await failure('begin-in-header.nc', b);
    expect(err.message).toMatch(
      /corrupt netCDF-3 variable '.+' data at byte 32: starts inside the header \(which ends at byte \d+\)/,
    );
  });

  test('a dimension made longer than the data the file holds', async () => {
    const b = Buffer.from(readFileSync(fixturePath('classic')));
    const at = nc3Fields(b).dimLength;
    b.writeUInt32BE(b.readUInt32BE(at) + 1000, at);
    const err = await failure('dim-length.nc', b);
    expect(err).toBeInstanceOf(CorruptNetcdfError);
    expect(err.message).toMatch(/overlaps the variable before it|truncated file|its dimensions need/);
  });
});

describe('hostile netCDF-4 files', () => {
  test('a flipped byte in a version-2 object header fails its checksum', async () => {
    const b = Buffer.from(readFileSync(fixturePath('nc4')));
    const ohdr = b.indexOf('OHDR', 0, 'latin1');
    b[ohdr + 12] ^= 0x10;
    const err = await failure('ohdr.nc', b);
    expect(err.message).toContain(`corrupt object header at byte ${ohdr}: checksum mismatch`);
  });

  test('a changed value inside a fletcher32 chunk (re-deflated, so zlib is content) fails the checksum', async () => {
    const file = path.join(FIXTURE_DIR, 'fixture-chunked.nc');
    const store = await openNc4(file);
    let chunk: { address: number; size: number };
    try {
      const v = store.variables.find((x) => x.name === 'fletcher')!;
      store.read(v, [0, 0, 0], v.shape);
      type Plans = Map<string, { chunks: Map<string, { address: number; size: number }> }>;
      chunk = [...(store as unknown as { plans: Plans }).plans.get('fletcher')!.chunks.values()][0];
    } finally {
      store.close();
    }
    const b = Buffer.from(readFileSync(file));
    // netCDF-C applies fletcher32 before deflate: the checksum is inside the stream.
    const plain = inflateSync(b.subarray(chunk.address, chunk.address + chunk.size));
    plain[0] ^= 0x01;
    const stream = deflateSync(plain, { level: 9 });
    expect(stream.length).toBeLessThanOrEqual(chunk.size);
    stream.copy(b, chunk.address);
    const err = await failure('fletcher.nc', b);
    expect(err.message).toContain(`corrupt chunk at byte ${chunk.address}: fletcher32 checksum mismatch`);
  });
});

describeRealData('hostile copies of the real MOGREPS-UK wind-speed file', () => {
  const rel =
    'improver_test_data/estimate-emos-coefficients/truncated_normal/history/20170602T0300Z-PT0012H-horizontal_wind_speed_at_10m.nc';

  /** The first chunk of the wind-speed variable: from the chunk B-tree node (III.A.1, 8-byte offsets). */
  function firstChunk(b: Buffer): { address: number; size: number } {
    const tree = b.indexOf('TREE', 0, 'latin1');
    return { size: b.readUInt32LE(tree + 24), address: Number(b.readBigUInt64LE(tree + 24 + 40)) };
  }

  test('byte 2517 set to 4 (h5wasm and ncdump loop forever on it) is refused at once', async () => {
    const b = Buffer.from(readFileSync(realFile(rel)));
    b[2517] = 4;
    const err = await failure('wind-2517.nc', b);
    expect(err).toBeInstanceOf(CorruptNetcdfError);
    expect(err.message).toMatch(/corrupt .+ at byte \d+: /);
  });

  test('a zlib bomb in a chunk stops at the chunk size', async () => {
    const b = Buffer.from(readFileSync(realFile(rel)));
    const { address, size } = firstChunk(b);
    const bomb = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
    bomb.copy(b, address, 0, Math.min(bomb.length, size));
    const err = await failure('bomb.nc', b);
    expect(err.message).toContain(
      `corrupt chunk at byte ${address}: deflate stream inflates to more than the chunk's 160000 bytes`,
    );
    expect(err.cause).toBeDefined();
  });

  test('a damaged zlib stream: zlib speaks in the cause, not the message', async () => {
    const b = Buffer.from(readFileSync(realFile(rel)));
    const { address, size } = firstChunk(b);
    for (let i = 0; i < 16; i++) b[address + Math.floor(size / 2) + i] ^= 0xff;
    const err = await failure('zlib.nc', b);
    expect(err.message).toMatch(
      new RegExp(
        `corrupt chunk at byte ${address}: deflate stream does not decode \\(Z_DATA_ERROR\\)|fletcher32`,
      ),
    );
    expect(String((err.cause as Error).message)).not.toBe('');
  });
});

/**
 * The netCDF-4 files the session-3 fuzz campaign (seed 13: cases 1506, 1661, 4455, 4640) found read by epp and
 * refused by netCDF-C, rebuilt from the same real files by the structure the mutation hit.
 */
describeRealData('files netCDF-C refuses are refused (fuzz campaign findings)', () => {
  test("a dataset's dataspace message changed to an unknown type (checksum recomputed): netCDF-C 'bad class'", async () => {
    const b = Buffer.from(readFileSync(realSiteFile('gefs-innsbruck-tmin/observation.nc')));
    let p = -1;
    for (let at = b.indexOf('OHDR', 0, 'latin1'); at >= 0; at = b.indexOf('OHDR', at + 1, 'latin1'))
      if (b[at + 4] === 2 && b[ohdrV2(b, at).first] === 0x01) {
        p = at;
        break;
      }
    expect(p).toBeGreaterThan(0);
    const { first, end } = ohdrV2(b, p);
    b[first] = 0xff;
    b.writeUInt32LE(lookup3(b.subarray(p, end)), end);
    const err = await failure('no-dataspace.nc', b);
    expect(err.message).toContain(
      `corrupt object header at byte ${p}: a dataset object header without its dataspace message`,
    );
  });

  /** Object `index` of the first global heap collection (III.E): where its data starts. */
  function heapObject(b: Buffer, index: number): number {
    const g = b.indexOf('GCOL', 0, 'latin1');
    for (let at = g + 16; at < g + Number(b.readBigUInt64LE(g + 8));) {
      const size = Number(b.readBigUInt64LE(at + 8));
      if (b.readUInt16LE(at) === index) return at + 16;
      at += 16 + Math.ceil(size / 8) * 8;
    }
    throw new Error(`no global heap object ${index}`);
  }

  test.each([
    ['improver_test_data/apply-emos-coefficients/normal/normal_coefficients.nc', 2],
    ['sites/ecmwf-frankfurt-precip/forecast.nc', 6],
  ])(
    '%s: a DIMENSION_LIST reference (global heap object %d) moved off its scale: netCDF-C "HDF error"',
    async (rel, index) => {
      const file = rel.startsWith('sites/') ? realSiteFile(rel.slice(6)) : realFile(rel);
      const b = Buffer.from(readFileSync(file));
      b[heapObject(b, index) + 3] ^= 0x08;
      const err = await failure('dimlist.nc', b);
      expect(err.message).toMatch(
        /corrupt DIMENSION_LIST of variable '.+' at byte \d+: a reference to byte \d+, which holds no dimension scale/,
      );
    },
  );

  test('a superblock end-of-file address below the data it holds: netCDF-C "HDF error"', async () => {
    const b = Buffer.from(
      readFileSync(realFile('improver_test_data/construct-reliability-tables/basic/forecast_0.nc')),
    );
    expect(b[8]).toBe(0); // superblock version 0: the end-of-file address is the 8 bytes at 40
    b.writeBigUInt64LE(b.readBigUInt64LE(40) - 4096n, 40);
    const err = await failure('eof.nc', b);
    expect(err.message).toMatch(/run past the end of the file \(\d+ bytes, as its superblock records\)/);
  });

  // Fuzz seed 14, cases 1435 and 763: one flipped bit makes an undefined superblock address defined.
  const reliability = 'improver_test_data/construct-reliability-tables/basic/forecast_0.nc';
  test.each([
    [48, 0x02],
    [37, 0x40],
  ])('a flipped bit in an undefined superblock address (byte %i ^ %i): refused', async (at, bit) => {
    const b = Buffer.from(readFileSync(realFile(reliability)));
    expect(b[8]).toBe(0); // superblock version 0: free-space (extension) address at 32, driver block at 48
    expect(b[at]).toBe(0xff);
    b[at] ^= bit;
    const err = await failure('sb.nc', b);
    expect(err.message).toContain('corrupt HDF5 superblock at byte 0');
  });

  test.each([
    [48, 'driver information block'],
    [32, 'superblock extension'],
  ])('a superblock address HDF5 follows, just past the end (byte %i): the %s', async (at, what) => {
    const b = Buffer.from(readFileSync(realFile(reliability)));
    const eof = b.readBigUInt64LE(40);
    b.writeBigUInt64LE(eof + 16n, at);
    const err = await failure('sb.nc', b);
    expect(err.message).toContain(`the ${what} address ${eof + 16n} is past the end of the file`);
  });
});

/**
 * The fresh-seed campaigns (seeds 14 to 16, 5,000 cases each): object-header messages that HDF5 refuses when it reads the
 * header (message flags, versions of messages epp otherwise skips), each changed byte re-checksummed so that
 * only the message check can catch it. The byte changes are the campaign's, replayed on the real files.
 */
describeRealData('fuzz seeds 14 to 16: object-header messages netCDF-C refuses are refused', () => {
  const emos = 'improver_test_data/estimate-emos-coefficients';
  test.each([
    [
      870,
      'site',
      'ecmwf-frankfurt-precip/forecast.nc',
      104725,
      104938,
      32,
      'flagged "was unknown" without "mark if unknown"',
    ],
    [1657, 'real', `${emos}/normal/kgo.nc`, 48, 101, 41, 'message of type 10: version 41 (only 0 exists)'],
    [
      1737,
      'real',
      `${emos}/normal/sites/history/20201209T1500Z-PT0012H00M-temperature_at_screen_level.nc`,
      17080,
      17190,
      2,
      'message of type 21: version 2',
    ],
    [
      3904,
      'real',
      `${emos}/truncated_normal/history/20170602T0300Z-PT0012H-horizontal_wind_speed_at_10m.nc`,
      1563,
      1788,
      1,
      'message of type 21: version 1',
    ],
    [4101, 'real', `${emos}/normal/kgo.nc`, 10247, 10314, 201, 'fill value flags 201 set reserved bits'],
    // The rank of the hidden _NCProperties attribute's dataspace: epp skipped hidden attributes undecoded.
    [
      4190,
      'real',
      `${emos}/truncated_normal/history/20170602T0300Z-PT0012H-horizontal_wind_speed_at_10m.nc`,
      96,
      190,
      32,
      'dataspace of rank 32 needs 264 bytes, its message holds 8',
    ],
    // Seed 15, case 271: a version-2 dataspace's class byte (1, simple) set to 65.
    [271, 'site', 'gefs-innsbruck-tmin/observation.nc', 21029, 21046, 65, 'dataspace class 65 with rank 1'],
    // Seed 15, case 2670: the attribute info message's flags set to 255 (two bits are defined).
    [
      2670,
      'real',
      `${emos}/normal/truth/20170602T1500Z-PT0000H-temperature_at_screen_level.nc`,
      9514,
      9639,
      255,
      'message of type 21: flags 255 set reserved bits',
    ],
    // Seed 16, case 2477: a version-3 attribute message's flags (0: nothing shared) set to 180.
    [
      2477,
      'real',
      'improver_test_data/apply-emos-coefficients/realizations/realizations_coefficients.nc',
      13416,
      13600,
      180,
      'attribute message flags 180 set reserved bits',
    ],
    // A dataset's fill value message retyped as link info: HDF5 then takes the dataset for a group.
    [
      4729,
      'real',
      'improver_test_data/apply-emos-coefficients/normal/normal_coefficients.nc',
      14535,
      14583,
      2,
      'message of type 2: version 3 (only 0 exists)',
    ],
  ] as const)(
    'case %i: %s %s, header %i, byte %i -> %i',
    async (_c, kind, file, header, byte, value, message) => {
      const b = Buffer.from(readFileSync(kind === 'site' ? realSiteFile(file) : realFile(file)));
      expect(b.toString('latin1', header, header + 4)).toBe('OHDR');
      const { end } = ohdrV2(b, header);
      expect(byte).toBeLessThan(end);
      expect(b[byte]).not.toBe(value);
      b[byte] = value;
      b.writeUInt32LE(lookup3(b.subarray(header, end)), end);
      const err = await failure(`case-${_c}.nc`, b);
      expect(err).toBeInstanceOf(CorruptNetcdfError);
      expect(err.message).toContain(message);
    },
  );

  test('a valid link info message in a dataset header: HDF5 would open the dataset as a group', async () => {
    const b = Buffer.from(
      readFileSync(realFile('improver_test_data/apply-emos-coefficients/normal/normal_coefficients.nc')),
    );
    const header = 14535;
    const { end } = ohdrV2(b, header);
    expect([b[14583], b[14589]]).toEqual([5, 3]); // fill value message, version 3
    b[14583] = 2; // link info
    b[14589] = 0; // version 0, no flags
    b[14590] = 0;
    b.writeUInt32LE(lookup3(b.subarray(header, end)), end);
    const err = await failure('dataset-and-group.nc', b);
    expect(err).toBeInstanceOf(CorruptNetcdfError);
    expect(err.message).toContain('an object header with both dataset and group messages');
  });
});
