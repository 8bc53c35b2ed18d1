/**
 * Typed errors shared by every layer. Each carries a stable `code` (mapped to HTTP statuses by the API
 * and to `UnrecoverableError` by the workers), a message a user can act on, and the underlying `cause`.
 */
export class EppError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_NETCDF`. */
  readonly code: string;
  /** True when retrying the same input cannot succeed (bad input, not a transient fault). */
  readonly permanent: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; permanent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.permanent = options.permanent ?? true;
  }
}

/** A file that is not NetCDF, is truncated, or is an HDF5 file that is not netCDF-4. */
export class InvalidNetcdfError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_NETCDF', message, options);
  }
}

/**
 * A NetCDF file whose bytes contradict its own structure: a field out of bounds, a failed checksum, a chunk
 * that does not decode to its declared size. The message names the file, the structure and its byte offset,
 * in one line; what the underlying engine said (zlib, a parser) is in `cause`.
 */
export class CorruptNetcdfError extends InvalidNetcdfError {
  constructor(
    readonly file: string,
    /** What was being read, e.g. "object header", "chunk B-tree node", "variable 'x' data". */
    readonly structure: string,
    /** Byte offset of that structure in the file (-1 when not known). */
    readonly offset: number,
    /** What is wrong, e.g. "checksum mismatch", "name length 2147483647 exceeds the file size 4836". */
    readonly problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${file}: corrupt ${structure}${offset >= 0 ? ` at byte ${offset}` : ''}: ${problem}; the file is damaged or not written by a NetCDF library (check it with ncdump, or re-download it)`,
      options,
    );
  }
}

/**
 * A well-formed netCDF-4/HDF5 file that uses a storage feature epp's reader does not verify (a filter other
 * than deflate/shuffle/fletcher32, an old-style symbol-table group, a chunk index other than a version-1
 * B-tree or a single chunk, a variable-length string variable). Refused rather than read unverified.
 */
export class UnsupportedNetcdfError extends InvalidNetcdfError {
  constructor(
    readonly file: string,
    readonly feature: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${file}: uses ${feature}, which epp's netCDF-4 reader does not support; rewrite it with \`nccopy -k nc4 -d 1 in.nc out.nc\` or as netCDF-3 (\`nccopy -k classic\`)`,
      options,
    );
  }
}

/** A variable, dimension or coordinate that a caller asked for and the file does not hold. */
export class NotFoundInFileError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NOT_FOUND_IN_FILE', message, options);
  }
}

/** A hyperslab (`start`/`count`) outside a variable's shape. */
export class SliceOutOfRangeError extends EppError {
  constructor(message: string) {
    super('SLICE_OUT_OF_RANGE', message);
  }
}

/** Options or arguments that fail validation (bad flags, bad request fields). */
export class InvalidArgumentError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Inputs that are individually valid but inconsistent with each other (grids, units, members, times). */
export class MismatchError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('MISMATCH', message, options);
  }
}

/** A file or folder the caller named does not exist or cannot be read. */
export class FileAccessError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FILE_ACCESS', message, options);
  }
}

/** A model folder that is missing files or whose files do not match its manifest. */
export class ModelError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_MODEL', message, options);
  }
}

/** A computation that cannot proceed on this data (e.g. all-NaN truth, non-positive variance). */
export class DataError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_DATA', message, options);
  }
}

/** A job, output, model or dataset that does not exist (404). */
export class NotFoundError extends EppError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(code, message);
  }
}

/** A model id with no model folder (404). */
export class ModelNotFoundError extends EppError {
  constructor(message: string) {
    super('MODEL_NOT_FOUND', message);
  }
}

/** Describe an unknown thrown value in one line. */
export function describeError(err: unknown): string {
  if (err instanceof EppError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A tensor backend that was asked for by name (e.g. `EPP_TF_BACKEND=tensorflow`) and cannot be loaded here. */
export class BackendUnavailableError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/**
 * A GRIB file that is truncated or malformed. The message names the file, the message number (1-based), its
 * byte offset, the section and, where one applies, the template.
 */
export class InvalidGribError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_GRIB', message, options);
  }
}

/** A well-formed GRIB message using a template, grid or packing this reader does not implement. */
export class UnsupportedGribError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('UNSUPPORTED_GRIB', message, options);
  }
}

/** A tensor worker thread failed or a thread group was aborted (transient: a retry starts a fresh pool). */
export class ThreadPoolError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('THREAD_POOL', message, { ...options, permanent: false });
  }
}
