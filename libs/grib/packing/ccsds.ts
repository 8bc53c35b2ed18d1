/**
 * CCSDS 121.0-B-3 adaptive entropy coding (Rice coding with zero-block, second-extension and uncompressed
 * options, and the unit-delay predictor with its mapping) as written by libaec for GRIB2 data representation
 * template 5.42. Decodes `n` unsigned samples of `bits` bits. Written here because no maintained libaec/AEC
 * decoder exists on the npm registry; tested against ecCodes (libaec) on every CCSDS fixture bit for bit.
 *
 * Flags (libaec aec.h, GRIB2 ccsdsFlags): 1 signed, 2 3-byte samples, 4 MSB first, 8 preprocessor,
 * 16 restricted id codes, 32 pad each reference sample interval to a byte boundary.
 */

export const AEC_DATA_SIGNED = 1;
export const AEC_DATA_PREPROCESS = 8;
export const AEC_RESTRICTED = 16;
export const AEC_PAD_RSI = 32;

export interface AecParams {
  bits: number;
  blockSize: number;
  rsi: number;
  flags: number;
}

/** Unpack `n` samples; RangeError when the stream is short or inconsistent. */
export function aecDecode(
  data: Uint8Array,
  n: number,
  p: AecParams,
  out = new Float64Array(n),
): Float64Array {
  const { bits, blockSize: J, rsi, flags } = p;
  if (bits < 1 || bits > 32) throw new RangeError(`${bits} bits per sample`);
  if (![8, 16, 32, 64].includes(J) && !(flags & AEC_RESTRICTED)) throw new RangeError(`block size ${J}`);
  if (rsi < 1 || rsi > 4096) throw new RangeError(`reference sample interval ${rsi}`);
  if (flags & AEC_DATA_SIGNED) throw new RangeError('signed samples (ccsdsFlags bit 1)');
  const pp = (flags & AEC_DATA_PREPROCESS) !== 0;
  let idLen: number;
  if (flags & AEC_RESTRICTED && bits <= 4) idLen = bits <= 2 ? 1 : 2;
  else idLen = bits <= 8 ? 3 : bits <= 16 ? 4 : 5;
  const idMax = 2 ** idLen - 1;
  const xmax = 2 ** bits - 1;
  const r = new FastBits(data);
  // Decoded into a buffer with room for one whole interval past n (the last blocks are cut at the end);
  // no closures over the position, so V8 keeps it in a register.
  const w = new Float64Array(n + rsi * J);
  let o = 0; // samples written
  while (o < n) {
    // One reference sample interval: rsi blocks of J samples (the last interval may be cut short by n).
    const rsiStart = o;
    for (let b = 0; b < rsi && o < n;) {
      const ref = pp && b === 0;
      const id = r.read(idLen);
      if (id === 0) {
        const se = r.read(1);
        let k = o;
        if (ref) w[k++] = r.read(bits);
        if (se === 1) {
          // Second extension: pairs (β = d0 + d1, m = β(β+1)/2 + d1); with a reference the first pair gives d1 only.
          let i = ref ? 1 : 0;
          while (i < J) {
            const m = r.fs();
            if (m > 90) throw new RangeError(`second-extension codeword ${m} > 90`);
            let beta = 0;
            while (((beta + 1) * (beta + 2)) / 2 <= m) beta++;
            const d1 = m - (beta * (beta + 1)) / 2;
            if ((i & 1) === 0) w[o + i++] = beta - d1;
            w[o + i++] = d1;
          }
          o += J;
          b++;
        } else {
          // Zero block(s): FS value + 1 blocks; 5 is "rest of segment" (to a 64-block boundary or the RSI end).
          let zb = r.fs() + 1;
          if (zb === 5) zb = Math.min(rsi - b, 64 - (b % 64));
          else if (zb > 5) zb--;
          if (b + zb > rsi) throw new RangeError(`${zb} zero blocks overrun the reference sample interval`);
          w.fill(0, k, o + zb * J);
          o += zb * J;
          b += zb;
        }
      } else if (id === idMax) {
        for (let i = 0; i < J; i++) w[o + i] = r.read(bits);
        o += J;
        b++;
      } else {
        // Split-sample option k = id − 1: J (or J−1) fundamental sequences, then as many k-bit remainders.
        const k = id - 1;
        const scale = 2 ** k;
        let i = o;
        if (ref) w[i++] = r.read(bits);
        const end = o + J;
        for (let j = i; j < end; j++) w[j] = r.fs();
        if (k > 0) for (let j = i; j < end; j++) w[j] = w[j] * scale + r.read(k);
        o += J;
        b++;
      }
    }
    if (pp) {
      // Invert the unit-delay predictor mapping (CCSDS 121.0-B §4.3) over this interval, in place.
      let last = w[rsiStart];
      const end = Math.min(o, n);
      for (let i = rsiStart + 1; i < end; i++) {
        const d = w[i];
        const theta = last < xmax - last ? last : xmax - last;
        let x: number;
        if (d <= 2 * theta) x = d % 2 === 0 ? last + d / 2 : last - (d + 1) / 2;
        else x = theta === last ? d : xmax - d;
        w[i] = x;
        last = x;
      }
    }
    if (flags & AEC_PAD_RSI) r.alignByte();
  }
  // A sample outside 0..2^bits−1 cannot come from a valid stream (libaec would wrap it to the sample width):
  // a damaged stream, refused rather than passed on.
  for (let i = 0; i < n; i++)
    if (!(w[i] >= 0 && w[i] <= xmax))
      throw new RangeError(`sample ${i + 1} decodes to ${w[i]}, outside 0..${xmax}: the stream is damaged`);
  out.set(w.subarray(0, n));
  return out;
}

/**
 * MSB-first bit reader over a copy of the stream padded with 8 zero bytes, reading through a 32-bit window
 * (no per-bit loops); reading past the real end throws RangeError.
 */
class FastBits {
  private readonly b: Uint8Array;
  private readonly end: number;
  pos = 0;

  constructor(data: Uint8Array) {
    this.b = new Uint8Array(data.length + 8);
    this.b.set(data);
    this.end = data.length * 8;
  }

  private window(): number {
    const b = this.b;
    const p = this.pos >> 3;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  read(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.end) throw new RangeError('bit stream ended');
    if (n > 24) {
      const hi = this.read(n - 16);
      return hi * 65536 + this.read(16);
    }
    const off = this.pos & 7;
    const v = ((this.window() << off) >>> 0) >>> (32 - n);
    this.pos += n;
    return v;
  }

  /** Count of 0 bits before the next 1 bit, which is consumed (a fundamental sequence codeword). */
  fs(): number {
    let n = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('bit stream ended');
      const off = this.pos & 7;
      const w = (this.window() << off) >>> 0;
      if (w === 0) {
        n += 32 - off;
        this.pos += 32 - off;
        continue;
      }
      const lead = Math.clz32(w);
      if (this.pos + lead >= this.end) throw new RangeError('bit stream ended');
      this.pos += lead + 1;
      return n + lead;
    }
  }

  alignByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}
