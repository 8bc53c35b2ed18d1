/** Format-independent mutators: bit flips, byte sets, truncations, integer fields set to hostile values. */
import type { Mutation, Mutator } from './types.js';

export function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)];
}

export function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo));
}

/** Values that break length and offset fields: zero, one, the extremes, around the file size. */
export function hostileValues(original: number, fileSize: number, bits: 32 | 64): number[] {
  const max = bits === 32 ? 0xffffffff : 2 ** 53 - 1;
  return [
    0,
    1,
    0x7fffffff,
    0xffffffff,
    max,
    original + 1,
    Math.max(0, original - 1),
    original * 2,
    original + 4096,
    fileSize,
    fileSize + 1,
    fileSize * 2,
    2 ** 31,
  ].filter((v) => v <= max);
}

export function flipBit(at: number): Mutator {
  return (bytes, random) => {
    const out = Buffer.from(bytes);
    const bit = int(random, 0, 8);
    out[at] ^= 1 << bit;
    return { kind: 'bitflip', detail: `byte ${at} bit ${bit}`, bytes: out };
  };
}

/** One random bit anywhere. */
export const bitflip: Mutator = (bytes, random, info) =>
  flipBit(int(random, 0, bytes.length))(bytes, random, info);

/** A few random bits in the first `n` bytes (where the headers are). */
export function headBitflips(n: number): Mutator {
  return (bytes, random) => {
    const out = Buffer.from(bytes);
    const k = int(random, 1, 4);
    const where: string[] = [];
    for (let i = 0; i < k; i++) {
      const at = int(random, 0, Math.min(n, bytes.length));
      const bit = int(random, 0, 8);
      out[at] ^= 1 << bit;
      where.push(`${at}.${bit}`);
    }
    return { kind: 'head-bitflip', detail: `bits ${where.join(' ')}`, bytes: out };
  };
}

/** One byte set to a random or boundary value. */
export const setByte: Mutator = (bytes, random) => {
  const out = Buffer.from(bytes);
  const at = int(random, 0, bytes.length);
  const v = pick(random, [0, 1, 4, 0x7f, 0x80, 0xff, int(random, 0, 256)]);
  const was = out[at];
  out[at] = v;
  return { kind: 'byte', detail: `byte ${at}: ${was} -> ${v}`, bytes: out };
};

/** Cut the file short (anywhere, weighted towards the start where the headers are). */
export const truncate: Mutator = (bytes, random) => {
  const r = random();
  const len = Math.floor(bytes.length * r * r);
  return { kind: 'truncate', detail: `to ${len} of ${bytes.length} bytes`, bytes: bytes.subarray(0, len) };
};

/** Insert or delete a few bytes (shifts every later offset). */
export const shift: Mutator = (bytes, random) => {
  const at = int(random, 0, bytes.length);
  const n = int(random, 1, 9);
  if (random() < 0.5)
    return {
      kind: 'shift',
      detail: `delete ${n} at ${at}`,
      bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + n)]),
    };
  return {
    kind: 'shift',
    detail: `insert ${n} at ${at}`,
    bytes: Buffer.concat([bytes.subarray(0, at), Buffer.alloc(n, 0xa5), bytes.subarray(at)]),
  };
};

/**
 * An integer field (4 or 8 bytes, either byte order) at one of `positions` set to a hostile value: what a
 * length, count or offset field becomes in a crafted file.
 */
export function intField(
  kind: string,
  positions: number[],
  littleEndian: boolean,
  sizes: (4 | 8)[],
): Mutator {
  return (bytes, random) => {
    const out = Buffer.from(bytes);
    const size = pick(random, sizes);
    const at = positions.length ? pick(random, positions) : int(random, 0, bytes.length - size);
    if (at + size > out.length) return bitflip(bytes, random, undefined);
    const read = (): number =>
      size === 4
        ? littleEndian
          ? out.readUInt32LE(at)
          : out.readUInt32BE(at)
        : Number(littleEndian ? out.readBigUInt64LE(at) : out.readBigUInt64BE(at));
    const was = read();
    const v = pick(random, hostileValues(was, bytes.length, size === 4 ? 32 : 64));
    if (size === 4) {
      if (littleEndian) out.writeUInt32LE(v >>> 0, at);
      else out.writeUInt32BE(v >>> 0, at);
    } else if (littleEndian) out.writeBigUInt64LE(BigInt(v), at);
    else out.writeBigUInt64BE(BigInt(v), at);
    return { kind, detail: `${size}-byte field at ${at}: ${was} -> ${v}`, bytes: out };
  };
}

export function mutation(kind: string, detail: string, bytes: Buffer): Mutation {
  return { kind, detail, bytes };
}
