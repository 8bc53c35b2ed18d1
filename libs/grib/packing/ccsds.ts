/**
 * CCSDS 121.0-B-3 adaptive entropy coding (Rice coding with zero-block, second-extension and uncompressed
 * options, and the unit-delay predictor with its mapping) as written by libaec for GRIB2 data representation
 * template 5.42. Decodes `n` unsigned samples of `bits` bits. Written here because no maintained libaec/AEC
 * decoder exists on the npm registry; tested against ecCodes (libaec) on every CCSDS fixture bit for bit.
 *
 * Flags (libaec aec.h, GRIB2 ccsdsFlags): 1 signed, 2 3-byte samples, 4 MSB first, 8 preprocessor,
 * 16 restricted id codes, 32 pad each reference sample interval to a byte boundary.
 */
import { BitReader } from '../bits.js';

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
  const r = new BitReader(data);
  const rsiSamples = rsi * J;
  let o = 0; // samples written
  const block = new Float64Array(J);
  while (o < n) {
    // One reference sample interval: rsi blocks of J samples (the last interval may be cut short by n).
    const rsiStart = o;
    for (let b = 0; b < rsi && o < n;) {
      const ref = pp && b === 0;
      const id = r.read(idLen);
      let produced: number; // blocks produced by this codeword
      if (id === 0) {
        const se = r.read(1);
        let k = 0;
        if (ref) block[k++] = r.read(bits);
        if (se === 1) {
          // Second extension: pairs (β = d0 + d1, m = β(β+1)/2 + d1); with a reference the first pair gives d1 only.
          let i = ref ? 1 : 0;
          while (i < J) {
            const m = r.fs();
            if (m > 90) throw new RangeError(`second-extension codeword ${m} > 90`);
            let beta = 0;
            while (((beta + 1) * (beta + 2)) / 2 <= m) beta++;
            const ms = (beta * (beta + 1)) / 2;
            const d1 = m - ms;
            if ((i & 1) === 0) block[i++] = beta - d1;
            block[i++] = d1;
          }
          produced = 1;
          emit(block, J);
        } else {
          // Zero block(s): FS value + 1 blocks; 5 is "rest of segment" (to a 64-block boundary or the RSI end).
          let zb = r.fs() + 1;
          if (zb === 5) zb = Math.min(rsi - b, 64 - (b % 64));
          else if (zb > 5) zb--;
          produced = zb;
          // The first block keeps its reference sample; everything else is zero.
          block.fill(0, k);
          emit(block, J);
          block.fill(0);
          for (let z = 1; z < zb; z++) emit(block, J);
        }
      } else if (id === idMax) {
        for (let i = 0; i < J; i++) block[i] = r.read(bits);
        produced = 1;
        emit(block, J);
      } else {
        // Split-sample option k = id − 1: J (or J−1) fundamental sequences, then as many k-bit remainders.
        const k = id - 1;
        let i = 0;
        if (ref) block[i++] = r.read(bits);
        for (let j = i; j < J; j++) block[j] = r.fs();
        if (k > 0) for (let j = i; j < J; j++) block[j] = block[j] * 2 ** k + r.read(k);
        produced = 1;
        emit(block, J);
      }
      b += produced;
    }
    if (pp) unmap(out, rsiStart, Math.min(o, n) - rsiStart);
    if (flags & AEC_PAD_RSI) r.alignByte();
    if (o - rsiStart > rsiSamples) throw new RangeError('reference sample interval overrun');
  }
  return out;

  function emit(blk: Float64Array, len: number): void {
    const m = Math.min(len, n - o);
    for (let i = 0; i < m; i++) out[o + i] = blk[i];
    o += m;
  }

  /** Invert the unit-delay predictor mapping (CCSDS 121.0-B §4.3) over one interval, in place. */
  function unmap(v: Float64Array, start: number, len: number): void {
    if (len <= 0) return;
    let last = v[start];
    for (let i = start + 1; i < start + len; i++) {
      const d = v[i];
      const theta = Math.min(last, xmax - last);
      let x: number;
      if (d <= 2 * theta) x = d % 2 === 0 ? last + d / 2 : last - (d + 1) / 2;
      else x = theta === last ? d : xmax - d;
      v[i] = x;
      last = x;
    }
  }
}
