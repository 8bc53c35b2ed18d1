/**
 * The packing equation shared by simple, complex, CCSDS, PNG and JPEG 2000 packing: Y = (X·2^E + R)·10^−D
 * (GRIB2 Regulation 92.9.4; GRIB1 likewise), computed as ecCodes computes it (powers by repeated
 * multiplication, then ((X·s) + R)·d in double) so results are bit-identical before rounding to float32.
 */
export function codesPower(s: number, n: number): number {
  let divisor = 1;
  if (s === 0) return 1;
  if (s === 1) return n;
  while (s < 0) {
    divisor /= n;
    s++;
  }
  while (s > 0) {
    divisor *= n;
    s--;
  }
  return divisor;
}

export interface Scale {
  reference: number;
  binaryScale: number;
  decimalScale: number;
}

/** Scale `count` packed integers from `ints` into `out` (float32), starting at out[0]. */
export function applyScale(ints: ArrayLike<number>, count: number, sc: Scale, out: Float32Array): void {
  const s = codesPower(sc.binaryScale, 2);
  const d = codesPower(-sc.decimalScale, 10);
  const r = sc.reference;
  for (let i = 0; i < count; i++) out[i] = (ints[i] * s + r) * d;
}
