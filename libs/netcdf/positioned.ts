/** Positioned reads shared by the netCDF-3 and direct netCDF-4 readers. */
import { readSync } from 'node:fs';
import { InvalidNetcdfError } from '../contracts/errors.js';

/** Fill `buf` from byte `pos` of the open file `fd` (readSync may return short counts); EOF is an error. */
export function readFully(fd: number, buf: Uint8Array, pos: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    const got = readSync(fd, buf, done, buf.length - done, pos + done);
    if (got === 0) throw new InvalidNetcdfError(`${file}: unexpected end of file at byte ${pos + done}`);
    done += got;
  }
}
