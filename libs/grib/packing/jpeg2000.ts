/**
 * GRIB2 JPEG 2000 packing (data representation template 5.40): section 7 is a JPEG 2000 code stream of the
 * packed integers, decoded by OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg, a maintained
 * npm build). The wasm module loads asynchronously, so `loadJpeg2000()` is awaited when a file is opened that
 * holds such fields; decoding itself is synchronous.
 */
import { createRequire } from 'node:module';

interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  };
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}

let module: OpenJpegModule | undefined;
let loading: Promise<OpenJpegModule> | undefined;

export async function loadJpeg2000(): Promise<void> {
  if (module) return;
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as (
      o?: object,
    ) => Promise<OpenJpegModule>;
    // OpenJPEG logs every header it reads to stdout/stderr; keep them quiet.
    return factory({ print: () => undefined, printErr: () => undefined });
  })();
  module = await loading;
}

export function jpeg2000Decode(data: Uint8Array, n: number): Float64Array {
  if (!module) throw new Error('JPEG 2000 decoder not loaded (call loadJpeg2000 first)');
  const dec = new module.J2KDecoder();
  try {
    dec.getEncodedBuffer(data.length).set(data);
    try {
      dec.decode();
    } catch (err) {
      throw new RangeError(`JPEG 2000 code stream does not decode (${String(err)})`, { cause: err });
    }
    const info = dec.getFrameInfo();
    const buf = dec.getDecodedBuffer();
    if (info.componentCount !== 1)
      throw new RangeError(`JPEG 2000 image has ${info.componentCount} components`);
    if (info.width * info.height < n)
      throw new RangeError(`JPEG 2000 image ${info.width}×${info.height} holds fewer than ${n} values`);
    const out = new Float64Array(n);
    if (info.bitsPerSample <= 8) for (let i = 0; i < n; i++) out[i] = buf[i];
    else if (info.bitsPerSample <= 16) {
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true);
    } else {
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, true);
    }
    return out;
  } finally {
    dec.delete();
  }
}
