/**
 * Hostile GRIB input fails closed: a typed one-line error (InvalidGribError / UnsupportedGribError) naming the
 * file, the message number, the section and the template — never a hang, a crash or wrong values passed on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidGribError, UnsupportedGribError } from '../../../libs/contracts/errors.js';
import { openGribIndex } from '../../../libs/grib/index.js';
import { fixture, readFailure } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-badgrib-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte offset of GRIB2 section `num` of the message at `msg` (first occurrence). */
function section2(b: Buffer, msg: number, num: number): number {
  let q = msg + 16;
  while (q < b.length) {
    if (b[q + 4] === num) return q;
    q += b.readUInt32BE(q);
  }
  throw new Error(`no section ${num}`);
}

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('bad GRIB input gives typed one-line errors naming message, section and template', () => {
  test('a file cut inside its second message', async () => {
    const b = readFileSync(fixture('era5_g2_ccsds.grib'));
    const e = await readFailure(write('cut.grib', b.subarray(0, b.length - 500)));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toMatch(
      /GRIB2 message 2 \(byte \d+\) section 0: message length \d+ runs past the end of the file .*truncated/,
    );
  });

  test('a GRIB1 file cut inside its first message', async () => {
    const b = readFileSync(fixture('era5_g1.grib'));
    const e = await readFailure(write('cut1.grib', b.subarray(0, 1000)));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toContain('GRIB1 message 1 (byte 0) section 0');
  });

  test('a section length pointing past the end of the message', async () => {
    const b = Buffer.from(readFileSync(fixture('era5_g2_simple.grib')));
    b.writeUInt32BE(0x7fffffff, section2(b, 0, 3));
    const e = await readFailure(write('sec3.grib', b));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toMatch(
      /GRIB2 message 1 \(byte 0\) section 3: section length 2147483647 at byte \d+ runs past/,
    );
  });

  test('a GRIB1 data section longer than its message', async () => {
    const b = Buffer.from(readFileSync(fixture('era5_g1.grib')));
    const s1 = b.readUIntBE(8, 3);
    const s2 = b.readUIntBE(8 + s1, 3);
    b.writeUIntBE(0xffffff, 8 + s1 + s2, 3);
    const e = await readFailure(write('sec4.grib', b));
    expect(e.message).toContain('GRIB1 message 1 (byte 0) section 4: section length 16777215');
  });

  test.each([
    [5, 9, 50, 'data representation template', '5.50'],
    [3, 12, 90, 'grid definition template', '3.90'],
    [4, 7, 40, 'product definition template', '4.40'],
  ])('unsupported template in section %i → UnsupportedGribError', async (sec, at, value, what, template) => {
    const b = Buffer.from(readFileSync(fixture('era5_g2_ccsds.grib')));
    const s = section2(b, 0, sec);
    b.writeUInt16BE(value, s + at);
    const e = await readFailure(write(`t${sec}.grib`, b));
    expect(e).toBeInstanceOf(UnsupportedGribError);
    expect(e.message).toContain(
      `GRIB2 message 1 (byte 0) section ${sec} (template ${template}): ${what} is not supported`,
    );
  });

  test('complex packing whose groups do not add up → InvalidGribError for section 7', async () => {
    const b = Buffer.from(readFileSync(fixture('era5_g2_complex_spatial_differencing.grib')));
    const s5 = section2(b, 0, 5);
    b.writeUInt32BE(b.readUInt32BE(s5 + 31) - 1, s5 + 31); // number of groups
    const e = await readFailure(write('groups.grib', b));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toMatch(/message 1 \(byte 0\) section 7 \(template 5\.3\): /);
  });

  test('CCSDS data cut short → InvalidGribError for section 7, not garbage values', async () => {
    const b = Buffer.from(readFileSync(fixture('era5_g2_ccsds.grib')));
    const s7 = section2(b, 0, 7);
    const len = b.readUInt32BE(s7);
    // Keep the message structure but zero-fill the bit stream's tail: the AEC decoder runs out of bits.
    const cut = Buffer.concat([
      b.subarray(0, s7),
      Buffer.from([0, 0, 0, 15, 7]),
      Buffer.alloc(10, 0xff),
      Buffer.from('7777'),
    ]);
    cut.writeBigUInt64BE(BigInt(cut.length), 8);
    expect(len).toBeGreaterThan(15);
    const e = await readFailure(write('ccsds.grib', cut));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toContain('section 7 (template 5.42)');
  });

  test('a message without its 7777 end marker', async () => {
    const b = Buffer.from(readFileSync(fixture('era5_g1.grib')));
    const len = b.readUIntBE(4, 3);
    b.write('8888', len - 4, 'latin1');
    const e = await readFailure(write('end.grib', b));
    expect(e).toBeInstanceOf(InvalidGribError);
    expect(e.message).toContain("GRIB1 message 1 (byte 0) section 5: message does not end with '7777'");
  });

  test('junk after the last message is an error; zero padding is not', async () => {
    const b = readFileSync(fixture('era5_g1.grib'));
    const junk = await readFailure(write('junk.grib', Buffer.concat([b, Buffer.from('not grib at all')])));
    expect(junk.message).toContain('message 3');
    const ix = await openGribIndex(write('pad.grib', Buffer.concat([b, Buffer.alloc(120)])));
    expect(ix.fields).toHaveLength(2);
    ix.close();
  });
});
