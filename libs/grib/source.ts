/** Positioned reads of a GRIB file, with errors that name the file. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileAccessError } from '../contracts/errors.js';

export class FileSource {
  readonly fd: number;
  readonly size: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      throw new FileAccessError(
        `${path}: cannot open (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
  }

  /** `len` bytes from `pos`, fewer only at end of file. */
  read(pos: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, buf, done, n - done, pos + done);
      if (got === 0) break;
      done += got;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  close(): void {
    closeSync(this.fd);
  }
}
