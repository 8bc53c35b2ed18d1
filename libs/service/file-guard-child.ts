/**
 * The child process of FileGuard (file-guard.ts): opens untrusted files for the API, one task at a time,
 * and answers over the IPC channel. It exits when the channel closes (the parent died or let it go), so it
 * never outlives the API. Errors go back as {code, message} in one line.
 */
import fs from 'node:fs';
import { EppError, InvalidNetcdfError } from '../contracts/errors.js';
import { preflightForecast, resolveForecastVariable } from '../pipeline/forecast/index.js';
import { describeDataset } from './catalog.js';
import { resolveForecastInputs } from './job-paths.js';
import { describeTask, type GuardTask } from './file-guard.js';
import { describeSiteFile, preflightSiteFit, preflightSitePredict } from '../pipeline/sites/preflight.js';
import { resolveSiteFitPaths, resolveSitePredictInputs } from './site-jobs.js';
import { resolveInRoot } from './data-root.js';

async function handle(task: GuardTask): Promise<unknown> {
  switch (task.kind) {
    case 'preflight':
      await preflightForecast(task.request, await resolveForecastInputs(task.dataDir, task.request));
      return null;
    case 'resolve':
      return resolveForecastVariable(
        task.request,
        resolveInRoot(task.dataDir, task.request.source.path, { mustExist: true }),
      );
    case 'describe':
      return describeDataset(task.dataDir, task.path);
    case 'site-fit':
      return preflightSiteFit(task.request, resolveSiteFitPaths(task.dataDir, task.request));
    case 'site-predict':
      return preflightSitePredict(task.request, resolveSitePredictInputs(task.dataDir, task.request));
    case 'site-file':
      return describeSiteFile(
        resolveInRoot(task.dataDir, task.path, { mustExist: true }),
        task.role,
        task.variable,
      );
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}

function asReply(err: unknown, task: GuardTask): { code: string; message: string; permanent: boolean } {
  if (err instanceof EppError)
    return { code: err.code, message: oneLine(err.message), permanent: err.permanent };
  // An untyped failure while reading an untrusted file: the file is refused (fail closed), naming it.
  const file = describeTask(task);
  const e = new InvalidNetcdfError(
    `${file}: the reader failed (${oneLine(err instanceof Error ? err.message : String(err))})`,
  );
  return { code: e.code, message: e.message, permanent: true };
}

// HDF5 reports a failed read (bad zlib stream, B-tree signature, checksum) on stderr and h5wasm may still
// hand back a buffer; whatever the reader does with it, a check during which HDF5 reported errors fails.
// h5wasm writes to fd 2 with fs.writeSync (its `require("fs")`, this same object); JS code writes through
// process.stderr. Both are watched.
let diagnostics: string[] = [];
const watch = (chunk: unknown): void => {
  const text =
    typeof chunk === 'string'
      ? chunk
      : ArrayBuffer.isView(chunk)
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
        : '';
  if (/HDF5-DIAG/.test(text) || diagnostics.length) diagnostics.push(text);
};
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
  watch(chunk);
  return writeStderr(chunk, ...rest);
};
const writeSync = fs.writeSync;
fs.writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
  if (fd === 2) {
    // (fd, buffer, offset, length) writes only that part of the buffer.
    const [offset, length] = rest as [number | undefined, number | undefined];
    watch(
      ArrayBuffer.isView(data) && typeof offset === 'number'
        ? new Uint8Array(data.buffer, data.byteOffset + offset, length ?? data.byteLength - offset)
        : data,
    );
  }
  return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
};

function hdf5Failure(task: GuardTask): InvalidNetcdfError | null {
  const text = diagnostics.join('');
  diagnostics = [];
  if (!/HDF5-DIAG/.test(text)) return null;
  // The innermost message says what failed ("... in H5Z_pipeline(): filter returned failure during read").
  const lines = [...text.matchAll(/#\d+: .*? in (\S+\(\)): (.*)/g)].map((m) => `${m[1]}: ${m[2]}`);
  const file = describeTask(task);
  return new InvalidNetcdfError(
    `${file}: the HDF5 library reported errors while reading it (${lines.at(-1) ?? 'HDF5-DIAG'}); the file is corrupt`,
  );
}

async function checked(task: GuardTask): Promise<unknown> {
  diagnostics = [];
  const value = await handle(task);
  const failure = hdf5Failure(task);
  if (failure) throw failure;
  return value;
}

process.on('disconnect', () => process.exit(0));
process.on('message', (m: { id: number; task: GuardTask }) => {
  void checked(m.task).then(
    (value) => process.send?.({ id: m.id, ok: true, value }),
    (err: unknown) => process.send?.({ id: m.id, ok: false, error: asReply(err, m.task) }),
  );
});
process.send?.({ ready: true });
