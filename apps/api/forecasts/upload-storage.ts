/**
 * Storage engine for uploads (the multer contract, as @nestjs/platform-fastify/multipart takes it): streams the file into quarantine (libs/service/quarantine.ts) under a
 * name owned by this process, mode 0600, hashing it on the way (SHA-256, its name in the inbox). Whatever goes wrong — the client aborts, the size limit, a full
 * disk — the partial file is removed; a full disk is answered 507 (StorageFullError). `openSink` is the
 * storage boundary (tests inject a failing one).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type {
  IncomingMultipartFile,
  MultipartStorageEngine,
  UploadedMultipartFile,
} from '@nestjs/platform-fastify/multipart';
import { isDiskFull, StorageFullError } from '../../../libs/service/errors.js';
import { quarantineName } from '../../../libs/service/quarantine.js';

export type OpenSink = (file: string) => Writable;

/** What the multipart interceptor reports for a stored upload, plus its content hash. */
export type QuarantinedFile = UploadedMultipartFile & { path: string; sha256: string };

const defaultSink: OpenSink = (file) => createWriteStream(file, { flags: 'wx', mode: 0o600 });

export class QuarantineStorage implements MultipartStorageEngine {
  constructor(
    private readonly dir: string,
    private readonly openSink: OpenSink = defaultSink,
  ) {}

  _handleFile(
    _req: unknown,
    file: IncomingMultipartFile,
    cb: (error?: unknown, info?: Partial<UploadedMultipartFile>) => void,
  ): void {
    const target = path.join(this.dir, quarantineName());
    let size = 0;
    const hash = createHash('sha256');
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      sink.destroy();
      file.stream.unpipe(sink);
      file.stream.resume();
      rmSync(target, { force: true });
      cb(
        isDiskFull(err)
          ? new StorageFullError('the server has no space left for this upload; nothing was kept', {
              cause: err,
            })
          : err,
      );
    };
    const sink = this.openSink(target);
    sink.on('error', fail);
    file.stream.on('error', fail);
    file.stream.on('data', (d: Buffer) => {
      size += d.length;
      hash.update(d);
    });
    sink.on('finish', () => {
      if (settled) return;
      settled = true;
      const info = { path: target, size, destination: this.dir, filename: path.basename(target) };
      cb(null, { ...info, sha256: hash.digest('hex') } as Partial<QuarantinedFile>);
    });
    file.stream.pipe(sink);
  }

  _removeFile(_req: unknown, file: UploadedMultipartFile, cb: (error: Error | null) => void): void {
    if (file.path) rmSync(file.path, { force: true });
    cb(null);
  }
}
