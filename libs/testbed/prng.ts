/**
 * Seeded pseudo-random numbers for the testbed: sfc32 (Chris Doty-Humphrey's "small fast counting" generator,
 * PractRand-clean, 128-bit state) seeded through splitmix32, plus standard normals by the polar Box–Muller
 * method. Written here (a dozen lines) so that the archive is byte-identical across Node versions and npm
 * updates: the stream is part of the file format's reproducibility contract.
 */

/** splitmix32 step: a well-mixed 32-bit hash, used to seed sfc32 and to derive independent streams. */
export function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash a seed and a path of integers (e.g. [init index, member]) into one 32-bit stream key. */
export function streamKey(seed: number, ...path: number[]): number {
  let h = splitmix32(seed >>> 0);
  for (const p of path) h = splitmix32((h ^ Math.imul(p + 1, 0x27d4eb2d)) >>> 0);
  return h;
}

/** sfc32 generator with a cached spare normal deviate. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(key: number) {
    this.a = splitmix32(key);
    this.b = splitmix32(this.a);
    this.c = splitmix32(this.b);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal N(0, 1) (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }
}
