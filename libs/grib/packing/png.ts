/**
 * GRIB2 PNG packing (data representation template 5.41): section 7 is a PNG image (ISO/IEC 15948) whose
 * samples are the packed integers, row-major, big-endian; grey 1/2/4/8/16-bit, RGB 8-bit (24-bit values) or
 * RGBA 8-bit (32-bit values), as ecCodes writes them. Decoded with node:zlib and the five PNG row filters.
 */
import { crc32, inflateSync } from 'node:zlib';

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The `n` packed integers of `bits` bits each. The image's bits per pixel must be `bits` rounded up to whole
 * bytes, as ecCodes requires (grib_accessor_class_data_png_packing.c: depth == bits8), grey or RGB/RGBA.
 */
export function pngDecode(data: Uint8Array, n: number, bits: number): Float64Array {
  for (let i = 0; i < 8; i++) if (data[i] !== SIG[i]) throw new RangeError('not a PNG image (bad signature)');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colour = 0;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= data.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]);
    if (pos + 12 + len > data.length) throw new RangeError(`PNG chunk ${type} runs past the data`);
    const body = data.subarray(pos + 8, pos + 8 + len);
    // Each chunk's CRC-32 covers its type and data (ISO/IEC 15948 §5.3); libpng refuses a critical chunk
    // (upper-case first letter) whose CRC does not match, as ecCodes' PNG decode then does.
    if (data[pos + 4] < 0x61 && crc32(data.subarray(pos + 4, pos + 8 + len)) !== dv.getUint32(pos + 8 + len))
      throw new RangeError(`PNG chunk ${type}: CRC mismatch`);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      depth = body[8];
      colour = body[9];
      if (body[12] !== 0) throw new RangeError('interlaced PNG');
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = colour === 0 ? 1 : colour === 2 ? 3 : colour === 6 ? 4 : 0;
  if (!channels || (channels > 1 && depth !== 8) || ![1, 2, 4, 8, 16].includes(depth))
    throw new RangeError(`PNG colour type ${colour} with bit depth ${depth}`);
  const bits8 = Math.ceil(bits / 8) * 8;
  if (depth * channels !== bits8)
    throw new RangeError(
      `PNG of ${depth * channels} bits per pixel for ${bits}-bit values (${bits8} expected)`,
    );
  if (width * height < n) throw new RangeError(`PNG of ${width}×${height} holds fewer than ${n} values`);
  const bitsPerPixel = depth * channels;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (rowBytes + 1) * height + 1 });
  } catch (err) {
    // zlib's own message ("incorrect data check", "unexpected end of file", buffer too large) goes to cause.
    throw new RangeError(`PNG image data does not inflate (${(err as Error).message})`, { cause: err });
  }
  if (raw.length < (rowBytes + 1) * height) throw new RangeError('PNG image data is short');
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const img = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const a = x >= bpp ? img[dst + x - bpp] : 0;
      const b = y > 0 ? img[dst - rowBytes + x] : 0;
      const c = x >= bpp && y > 0 ? img[dst - rowBytes + x - bpp] : 0;
      const r = raw[src + x];
      let v: number;
      switch (f) {
        case 0:
          v = r;
          break;
        case 1:
          v = r + a;
          break;
        case 2:
          v = r + b;
          break;
        case 3:
          v = r + ((a + b) >> 1);
          break;
        case 4: {
          // Paeth predictor (PNG spec §9.4).
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new RangeError(`PNG filter type ${f}`);
      }
      img[dst + x] = v & 0xff;
    }
  }
  const out = new Float64Array(n);
  let k = 0;
  for (let y = 0; y < height && k < n; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width && k < n; x++) {
      if (bitsPerPixel >= 8) {
        let v = 0;
        const at = row + x * bpp;
        for (let c = 0; c < bpp; c++) v = v * 256 + img[at + c];
        out[k++] = v;
      } else {
        const bit = x * depth;
        out[k++] = (img[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
      }
    }
  }
  return out;
}
