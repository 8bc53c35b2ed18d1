/**
 * Decode one field: read its bitmap and data (one positioned read), unpack by its data representation, apply
 * the packing equation and spread the values over the grid points the bitmap marks (NaN elsewhere). Values
 * are returned in storage order as float32 (the type epp's arrays use; ecCodes' doubles round to them).
 */
import { unpackBits } from './bits.js';
import { aecDecode } from './packing/ccsds.js';
import { readComplexParams, unpackComplex } from './packing/complex.js';
import { jpeg2000Decode } from './packing/jpeg2000.js';
import { pngDecode } from './packing/png.js';
import { applyScale, codesPower } from './packing/scale.js';
import { Where } from './parse.js';
import type { FileSource } from './source.js';
import type { GribField } from './types.js';

/** Count of set bits in the first `n` bits of a bitmap. */
function popcount(bm: Uint8Array, n: number): number {
  let c = 0;
  const full = n >> 3;
  for (let i = 0; i < full; i++) {
    let v = bm[i];
    v = v - ((v >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    c += (v + (v >> 4)) & 0x0f;
  }
  for (let k = full * 8; k < n; k++) if (bm[k >> 3] & (0x80 >> (k & 7))) c++;
  return c;
}

export function decodeField(src: FileSource, f: GribField): Float32Array {
  const where = new Where(src.path, f.message, f.offset, f.edition);
  const d = f.data;
  const sec = f.edition === 1 ? 4 : 7;
  const t = f.edition === 1 ? 'GRIB1 grid-point simple packing' : `5.${d.template}`;
  const npts = f.grid.numberOfPoints;
  const start = d.bitmapOffset ?? d.dataOffset;
  const end = d.dataOffset + d.dataLength;
  const bytes = src.read(start, end - start);
  if (bytes.length < end - start) throw where.bad(sec, 'data run past the end of the file', t);
  const bitmap = d.bitmapOffset !== null ? bytes.subarray(0, d.bitmapLength) : null;
  const data = bytes.subarray(d.dataOffset - start);
  const n = bitmap ? popcount(bitmap, npts) : npts;
  if (f.edition === 2 && n !== d.numberOfValues)
    throw where.bad(5, `${d.numberOfValues} values but the bitmap marks ${n} points`, t);
  // GRIB1: the data section holds exactly as many values as the bitmap marks (ecCodes counts them from the
  // section's length and refuses a difference).
  if (f.edition === 1 && bitmap && d.bitsPerValue > 0) {
    const coded = Math.floor((d.dataLength * 8 - d.unusedBits) / d.bitsPerValue);
    if (coded !== n) throw where.bad(4, `section holds ${coded} values but the bitmap marks ${n} points`, t);
  }
  const packed = new Float32Array(n);
  try {
    unpack(data, n, f, packed, where, t);
  } catch (err) {
    if (err instanceof RangeError) throw where.bad(sec, err.message, t);
    throw err;
  }
  // Finite packed values that do not fit a float32 (scale factors out of range) would be served as ±Infinity.
  for (let i = 0; i < n; i++)
    if (packed[i] === Infinity || packed[i] === -Infinity)
      throw where.bad(
        sec,
        `value ${i + 1} overflows a float (reference ${d.reference}, binary scale ${d.binaryScale}, decimal scale ${d.decimalScale})`,
        t,
      );
  if (!bitmap) return packed;
  const out = new Float32Array(npts);
  let k = 0;
  for (let i = 0; i < npts; i++) out[i] = bitmap[i >> 3] & (0x80 >> (i & 7)) ? packed[k++] : NaN;
  return out;
}

function unpack(data: Uint8Array, n: number, f: GribField, out: Float32Array, where: Where, t: string): void {
  const d = f.data;
  const bits = d.bitsPerValue;
  const constant = () => out.fill(d.reference * codesPower(-d.decimalScale, 10));
  switch (d.template) {
    case 0: {
      if (bits === 0) return void constant();
      const avail = data.length * 8 - d.unusedBits;
      if (avail < n * bits)
        throw new RangeError(`${avail} data bits hold fewer than ${n} values of ${bits} bits`);
      applyScale(unpackBits(data, 0, bits, n), n, d, out);
      return;
    }
    case 2:
    case 3: {
      const p = readComplexParams(d.section5!, d.template);
      // With 0 bits per value the group descriptors are still read and checked (ecCodes decodes them too).
      if (p.ngroups === 0) return void constant();
      const ints = unpackComplex(data, p, n);
      applyScale(ints, n, d, out); // NaN (missing) stays NaN
      return;
    }
    case 4: {
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const w = bits === 64 ? 8 : 4;
      if (data.length < n * w) throw new RangeError(`${data.length} bytes hold fewer than ${n} IEEE values`);
      for (let i = 0; i < n; i++) out[i] = w === 8 ? dv.getFloat64(i * 8) : dv.getFloat32(i * 4);
      return;
    }
    case 40:
    case 41: {
      if (bits === 0 || data.length === 0) return void constant();
      const ints = d.template === 40 ? jpeg2000Decode(data, n) : pngDecode(data, n, bits);
      applyScale(ints, n, d, out);
      return;
    }
    case 42: {
      if (bits === 0) return void constant();
      const s5 = d.section5!;
      const ints = aecDecode(data, n, { bits, flags: s5[21], blockSize: s5[22], rsi: s5[23] * 256 + s5[24] });
      applyScale(ints, n, d, out);
      return;
    }
    default:
      throw where.unsupported(5, 'data representation template', t);
  }
}
