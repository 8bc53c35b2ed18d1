/** Big-endian bit and integer readers for GRIB sections (WMO FM 92 GRIB: every field is MSB first). */

/** Unsigned integer of `n` bytes (n ≤ 6) at byte `pos`. */
export function uint(b: Uint8Array, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[pos + i];
  return v;
}

/** True when the `n` bytes at `pos` are all ones: GRIB's "missing" for an integer field. */
export function allOnes(b: Uint8Array, pos: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[pos + i] !== 255) return false;
  return true;
}

/**
 * Signed integer of `n` bytes stored as sign and magnitude (the top bit is the sign), as both GRIB editions
 * store negative integers (GRIB2 Regulation 92.1.5; GRIB1 likewise).
 */
export function sint(b: Uint8Array, pos: number, n: number): number {
  const neg = (b[pos] & 0x80) !== 0;
  let v = b[pos] & 0x7f;
  for (let i = 1; i < n; i++) v = v * 256 + b[pos + i];
  return neg ? -v : v;
}

/** IEEE 754 single-precision float, big-endian (GRIB2 reference values, Regulation 92.6.3). */
export function ieee32(b: Uint8Array, pos: number): number {
  return new DataView(b.buffer, b.byteOffset + pos, 4).getFloat32(0, false);
}

/** IBM System/360 single-precision float (GRIB1 reference values, WMO FM 92 GRIB1 §2.1.4): s·16^(e−64)·m/2^24. */
export function ibm32(b: Uint8Array, pos: number): number {
  const sign = b[pos] & 0x80 ? -1 : 1;
  const exp = (b[pos] & 0x7f) - 64;
  const mant = uint(b, pos + 1, 3);
  if (mant === 0) return 0;
  return sign * mant * Math.pow(16, exp) * 2 ** -24;
}

/**
 * Unpack `count` unsigned integers of `width` bits each (0..32), MSB first, starting at bit `bitPos` of `b`.
 * Byte-aligned widths of 8, 16, 24 and 32 bits take fast paths.
 */
export function unpackBits(
  b: Uint8Array,
  bitPos: number,
  width: number,
  count: number,
  out: Float64Array | Uint32Array | Int32Array = new Float64Array(count),
): typeof out {
  if (width === 0) {
    out.fill(0, 0, count);
    return out;
  }
  if (width > 32) throw new RangeError(`bit width ${width} > 32`);
  if ((bitPos & 7) === 0) {
    let p = bitPos >> 3;
    if (width === 8) {
      for (let i = 0; i < count; i++) out[i] = b[p + i];
      return out;
    }
    if (width === 16) {
      for (let i = 0; i < count; i++, p += 2) out[i] = (b[p] << 8) | b[p + 1];
      return out;
    }
    if (width === 24) {
      for (let i = 0; i < count; i++, p += 3) out[i] = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
      return out;
    }
    if (width === 32) {
      for (let i = 0; i < count; i++, p += 4)
        out[i] = ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
      return out;
    }
  }
  // General case: a 32-bit window of the next bits, refilled a byte at a time (width ≤ 25 fits one window).
  let byte = bitPos >> 3;
  let acc = 0; // bits not yet consumed, right-aligned
  let have = 0;
  const skip = bitPos & 7;
  if (skip) {
    acc = b[byte++] & (0xff >> skip);
    have = 8 - skip;
  }
  if (width <= 24) {
    const mask = (1 << width) - 1;
    for (let i = 0; i < count; i++) {
      while (have < width) {
        acc = ((acc << 8) | b[byte++]) & 0x7fffffff;
        have += 8;
      }
      have -= width;
      out[i] = (acc >>> have) & mask;
    }
    return out;
  }
  // 25..32 bits: assemble in floating point (exact up to 53 bits).
  let bit = bitPos;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let k = 0; k < width; k++, bit++) v = v * 2 + ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
    out[i] = v;
  }
  return out;
}

/** Sequential MSB-first bit reader (CCSDS/AEC streams, complex packing group descriptors). */
export class BitReader {
  pos: number; // bit position
  constructor(
    private readonly b: Uint8Array,
    bitPos = 0,
    private readonly endBit = b.length * 8,
  ) {
    this.pos = bitPos;
  }

  get remaining(): number {
    return this.endBit - this.pos;
  }

  /** Next `n` bits (n ≤ 32) as an unsigned integer; reading past the end throws RangeError. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.endBit) throw new RangeError('bit stream ended');
    let v = 0;
    let p = this.pos;
    let left = n;
    while (left > 0) {
      const byte = this.b[p >> 3];
      const off = p & 7;
      const take = Math.min(8 - off, left);
      const bits = (byte >> (8 - off - take)) & ((1 << take) - 1);
      v = v * (1 << take) + bits;
      p += take;
      left -= take;
    }
    this.pos = p;
    return v;
  }

  /** Count of 0 bits before the next 1 bit, which is consumed (a CCSDS fundamental sequence codeword). */
  fs(): number {
    let n = 0;
    for (;;) {
      if (this.pos >= this.endBit) throw new RangeError('bit stream ended');
      const byte = this.b[this.pos >> 3];
      const off = this.pos & 7;
      const rest = (byte << off) & 0xff;
      if (rest === 0) {
        n += 8 - off;
        this.pos += 8 - off;
        continue;
      }
      const lead = Math.clz32(rest) - 24;
      n += lead;
      this.pos += lead + 1;
      return n;
    }
  }

  alignByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}
