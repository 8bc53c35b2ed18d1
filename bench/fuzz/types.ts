/**
 * The fuzzer's plug-in points. A format registers its source files, how to find the structures worth
 * mutating in a source (`analyze`), its own mutators, how to read a file completely (run in a child process)
 * and, optionally, a reference reader (a C library's command-line tool) whose verdict and values the
 * accepted cases are checked against. bench/fuzz/formats.ts lists the registered formats.
 */

/** What `read` returns for one variable (or GRIB message): raw values, or null for text. */
export interface ReadVariable {
  name: string;
  dtype: string;
  /** The value a reference prints as `_` (fill), if any. */
  fill?: number;
  values: Float64Array | null;
}

export interface Mutation {
  /** The mutator's name (counted per class in the report). */
  kind: string;
  /** What was changed, e.g. "byte 2517: 0x00 -> 0x04". */
  detail: string;
  bytes: Buffer;
}

/** A seeded mutation of a source's bytes; `info` is what the format's `analyze` found in the source. */
export type Mutator = (bytes: Buffer, random: () => number, info: unknown) => Mutation;

/** A reference reader's verdict on a mutated file. */
export type Reference =
  | { status: 'accepted'; values: Map<string, string[]> }
  | { status: 'rejected'; message: string }
  | { status: 'skipped'; message: string };

export interface FuzzFormat {
  name: string;
  /** Source files, relative to the real-data root (EPP_REAL_DATA). */
  sources: string[];
  /** Locate structures in a source (run once per source, in the parent). */
  analyze(bytes: Buffer): unknown;
  /** Mutators with their weights. */
  mutators: [Mutator, number][];
  /** Read everything in `file` with epp's reader (in the child process); throw what the reader throws. */
  read(file: string): Promise<ReadVariable[]>;
  /** The reference reader's name in reports, e.g. "netCDF-C (ncdump)". */
  referenceName?: string;
  /** The reference reader (e.g. netCDF-C's ncdump), run in its own process, asynchronously; or absent. */
  reference?(file: string, timeoutMs: number): Promise<Reference>;
  /** Does a value the reference printed equal epp's (`fill`: the variable's fill value)? */
  same?(printed: string, ours: number, v: ReadVariable): boolean;
}
