/**
 * The GRIB fuzzer's findings (bench/fuzz/grib.ts; `npm run -s bench -- fuzz --format grib`), each rebuilt
 * from a committed fixture by the byte edit that exposed it. Before the fix each one hung, threw an untyped
 * error, or was read although ecCodes refuses it (or decodes other values); now each is a typed one-line
 * InvalidGribError naming the file, the message and the section.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { type EppError, InvalidGribError, UnsupportedGribError } from '../../../libs/contracts/errors.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { gaussianGrib2 } from '../../../bench/hostile/attacks.js';
import { fixture, readFailure } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-gribfuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte offset of GRIB2 section `num` of the first message. */
function g2(b: Buffer, num: number): number {
  for (let q = 16; q < b.length; q += b.readUInt32BE(q)) if (b[q + 4] === num) return q;
  throw new Error(`no section ${num}`);
}

/** Byte offset of GRIB1 section `num` (1, 2, 4; no bitmap) of the first message. */
function g1(b: Buffer, num: 1 | 2 | 4): number {
  const s1 = 8;
  const s2 = s1 + b.readUIntBE(s1, 3);
  if (num === 1) return s1;
  if (num === 2) return s2;
  return s2 + b.readUIntBE(s2, 3);
}

function edited(name: string, edit: (b: Buffer) => Buffer | void): string {
  const b = readFileSync(fixture(name));
  const out = edit(b) ?? b;
  const file = path.join(dir, `${path.basename(name, '.grib')}-${Math.random().toString(36).slice(2)}.grib`);
  writeFileSync(file, out);
  return file;
}

/** Each finding fails with an InvalidGribError unless its test names another kind. */
function failure(
  file: string,
  kind: abstract new (...args: never[]) => EppError = InvalidGribError,
): Promise<EppError> {
  return readFailure(file, kind);
}

describe('GRIB fuzz findings fail closed', () => {
  test("a cut 'GRIB' after the last message (was an endless loop)", async () => {
    const file = edited('era5_g2_jpeg.grib', (b) => Buffer.concat([b, Buffer.from('GRIB')]));
    expect((await failure(file)).message).toMatch(
      /GRIB message 3 \(byte 20553\) section 0: truncated indicator/,
    );
    const tiny = edited('reduced_gg_g2.grib', (b) => b.subarray(0, 7));
    expect((await failure(tiny)).message).toMatch(/truncated indicator section \(7 bytes at byte 0\)/);
  });

  test('a Gaussian N far beyond the rows (was a 10 s+ Legendre computation)', async () => {
    const file = edited('regular_gg_g2.grib', (b) => void b.writeUInt32BE(16776736, g2(b, 3) + 67));
    expect((await failure(file)).message).toMatch(
      /section 3 \(template 3\.40\): Gaussian N 16776736 does not fit 64 rows/,
    );
  });

  test('GRIB1 vertical coordinates that do not fit section 2 (ecCodes: invalid size for section_2)', async () => {
    const file = edited('era5_scan_j.grib', (b) => void (b[g1(b, 2) + 3] = 1));
    expect((await failure(file)).message).toMatch(
      /GRIB1 message 1 \(byte 0\) section 2 .*: PV\/PL location octet 255 with 1 vertical coordinates does not fit/,
    );
  });

  test('GRIB1 bits per value that leave more values than points (ecCodes: numberOfPoints != size)', async () => {
    const file = edited('era5_g1.grib', (b) => void (b[g1(b, 4) + 10] = 8));
    expect((await failure(file)).message).toMatch(
      /section 4: \d+ data bits hold 14640 values of 8 bits, not the grid's 7320/,
    );
  });

  test('a reduced Gaussian row with no points (ecCodes asserts)', async () => {
    const file = edited('reduced_gg_g1.grib', (b) => void b.writeUInt16BE(0, 184));
    expect((await failure(file)).message).toMatch(/section 2 .*: pl list: row \d+ has no points/);
  });

  test('latitudes against the scanning direction (ecCodes refuses)', async () => {
    const file = edited('era5_g2_simple.grib', (b) => void (b[g2(b, 3) + 71] |= 0x40));
    expect((await failure(file)).message).toMatch(
      /section 3 \(template 3\.0\): first and last latitudes 90, -90 contradict the scanning direction/,
    );
  });

  test('subdivisions of a zero basic angle (ecCodes crashes)', async () => {
    const file = edited('regular_gg_g2.grib', (b) => void b.writeUInt32BE(0x1ffff, g2(b, 3) + 42));
    expect((await failure(file)).message).toMatch(
      /subdivisions of the basic angle 131071 with a basic angle of 0/,
    );
  });

  test('a missing (all ones) binary scale factor (ecCodes crashes)', async () => {
    const file = edited('reduced_gg_g1.grib', (b) => void b.writeUInt16BE(0xffff, g1(b, 4) + 4));
    expect((await failure(file)).message).toMatch(/section 4: binary scale factor is missing/);
  });

  test('a binary scale factor whose values overflow a float', async () => {
    const file = edited('reduced_gg_g1.grib', (b) => void b.writeUInt16BE(1100, g1(b, 4) + 4));
    expect((await failure(file)).message).toMatch(/section 4 .*: value 1 overflows a float/);
  });

  test('PNG samples narrower than the bits per value (ecCodes asserts depth == bits8)', async () => {
    const file = edited('era5_g2_png.grib', (b) => void (b[g2(b, 5) + 19] = 25));
    expect((await failure(file)).message).toMatch(
      /section 7 \(template 5\.41\): PNG of 16 bits per pixel for 25-bit values/,
    );
  });

  /** Recompute every chunk CRC of the PNG in the first message's section 7 (so a data edit reaches zlib). */
  function fixPngCrcs(b: Buffer): void {
    let pos = g2(b, 7) + 5 + 8;
    while (pos + 12 <= b.length && b.toString('latin1', pos + 4, pos + 8) !== 'IEND') {
      const len = b.readUInt32BE(pos);
      b.writeUInt32BE(crc32(b.subarray(pos + 4, pos + 8 + len)), pos + 8 + len);
      pos += 12 + len;
    }
  }

  test('a damaged PNG zlib stream (was an untyped zlib error)', async () => {
    const file = edited('era5_g2_png.grib', (b) => {
      b[1575] = 255;
      fixPngCrcs(b);
    });
    const e = await failure(file);
    expect(e.message).toMatch(/section 7 \(template 5\.41\): PNG image data does not inflate/);
  });

  // Fuzz seed 19, case 1048: a flipped bit in the PNG's IHDR (libpng: "IHDR: CRC error").
  test('a PNG chunk whose CRC does not match', async () => {
    const file = edited('era5_g2_png.grib', (b) => void (b[g2(b, 7) + 5 + 8 + 8 + 3] ^= 0x01));
    expect((await failure(file)).message).toMatch(
      /section 7 \(template 5\.41\): PNG chunk IHDR: CRC mismatch/,
    );
  });

  test('a CCSDS stream that decodes to samples wider than the bits per value (libaec wraps them)', async () => {
    const file = edited('era5_bitmap_g2_ccsds.grib', (b) => void (b[1303] ^= 0x20));
    expect((await failure(file)).message).toMatch(
      /section 7 \(template 5\.42\): sample \d+ decodes to \d+, outside 0\.\.65535/,
    );
  });

  test('complex packing with 0 bits per value still has its groups checked', async () => {
    const file = edited('era5_g2_complex_spatial_differencing.grib', (b) => {
      const s5 = g2(b, 5);
      b[s5 + 19] = 0;
      b[s5 + 46] = 11;
    });
    expect((await failure(file)).message).toMatch(
      /section 7 \(template 5\.3\): group lengths add up to \d+, not 7320/,
    );
  });

  test('GRIB2 vertical coordinates (NV) that do not fit section 4 (ecCodes: invalid size for section_4)', async () => {
    const file = edited('era5_g2_complex.grib', (b) => void b.writeUInt16BE(128, g2(b, 4) + 5));
    expect((await failure(file)).message).toMatch(
      /section 4 \(template 4\.\d+\): template 4\.\d+ of \d+ octets and 128 vertical coordinates do not fit/,
    );
  });

  test('an optional list of numbers that does not fit section 3 (ecCodes: invalid size for section_3)', async () => {
    const file = edited('lambert_g2.grib', (b) => void (b[g2(b, 3) + 10] = 1));
    expect((await failure(file)).message).toMatch(
      /section 3 \(template 3\.30\): optional list of 31 numbers of 1 octets does not fit the section/,
    );
  });

  test("another centre's GRIB1 local section is refused, not ignored (ecCodes cannot find its definition)", async () => {
    const file = edited('era5_scan_i.grib', (b) => {
      b[g1(b, 1) + 4] = 96; // centre
      b[g1(b, 1) + 25] = 0; // sub-centre
    });
    const e = await failure(file, UnsupportedGribError);
    expect(e.message).toMatch(
      /GRIB1 message 1 \(byte 0\) section 1: the local section of centre 96 .* is not supported/,
    );
  });

  test('Gaussian rows that are not latitudes of N (found by hand: grib_get_data crashes on it)', async () => {
    const good = path.join(dir, 'gaussian-n1.grib');
    writeFileSync(good, gaussianGrib2(1));
    const ds = await openDataset(good);
    try {
      expect(Array.from(ds.readVariable('t').data as Float32Array)).toEqual(Array(8).fill(273));
    } finally {
      ds.close();
    }
    const b = gaussianGrib2(1);
    b.writeUInt32BE(45000000, 16 + 21 + 46); // La1 = 45°, not the N1 row at 35.26°
    const bad = path.join(dir, 'gaussian-la1.grib');
    writeFileSync(bad, b);
    expect((await failure(bad)).message).toMatch(
      /section 3 \(template 3\.40\): latitudes 45 to -35\.26439 are not 2 rows of the N1 Gaussian grid/,
    );
  });

  test('messages that each open their own time, step and level: a mostly empty hypercube is refused at open', async () => {
    const one = gaussianGrib2(1);
    const s4 = 16 + 21 + 72;
    const messages = Array.from({ length: 330 }, (_, i) => {
      const m = Buffer.from(one);
      m[16 + 16] = Math.floor(i / 60); // hour
      m[16 + 17] = i % 60; // minute
      m.writeUInt32BE(i, s4 + 18); // forecast time (hours)
      m.writeUInt32BE(85000 + 100 * i, s4 + 24); // level (Pa)
      return m;
    });
    const file = path.join(dir, 'sparse.grib');
    writeFileSync(file, Buffer.concat(messages));
    expect((await failure(file)).message).toMatch(
      /'t' would span 35937000 number\/time\/step\/level combinations for 330 messages \(\d+ MiB, mostly missing\)/,
    );
  });
});
