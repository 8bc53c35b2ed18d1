/**
 * The two checksums HDF5 stores in files: Bob Jenkins' lookup3 `hashlittle` over metadata (superblock v2/3,
 * version-2 object headers, version-2 B-trees, fractal heaps; HDF5 H5checksum.c H5_checksum_lookup3) and
 * Fletcher-32 over filtered chunks (H5checksum.c H5_checksum_fletcher32, H5Zfletcher32.c).
 */

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** lookup3 hashlittle(key, length, initval) — Jenkins 2006, lookup3.c, as HDF5 H5_checksum_lookup3. */
export function lookup3(key: Uint8Array, initval = 0): number {
  let length = key.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = 0;
  const w = (i: number) => key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24);
  while (length > 12) {
    a = (a + w(k)) | 0;
    b = (b + w(k + 4)) | 0;
    c = (c + w(k + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c >>> 0;
  // The tail: bytes k.. k+length-1 added little-endian into a, b, c (lookup3.c's switch fall-through).
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2] += key[k + i] << (8 * (i & 3));
  a = (a + tail[0]) | 0;
  b = (b + tail[1]) | 0;
  c = (c + tail[2]) | 0;
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

/** Fletcher-32 over big-endian 16-bit words, an odd last byte as its high byte (H5_checksum_fletcher32). */
export function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  let i = 0;
  let words = data.length >> 1;
  while (words > 0) {
    let t = Math.min(words, 360);
    words -= t;
    while (t-- > 0) {
      sum1 += (data[i] << 8) | data[i + 1];
      i += 2;
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length % 2) {
    sum1 += data[i] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}
