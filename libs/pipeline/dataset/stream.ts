/**
 * Streaming samples from a testbed archive: initialisations read from disk in the order given, with at most
 * `prefetch` samples loaded ahead of the consumer, so that memory holds O(prefetch + batch) samples whatever
 * the number of years (loadSplit holds the whole split). Used by `epp train` (normalisation in one pass,
 * every epoch in its shuffled order, validation in chunks); the evaluation and the skill bench can use it the
 * same way (issue 14).
 *
 *   for await (const batch of batchesOf(streamSamples(index, splitInits(index, 'train'), cfg), 2)) …
 */
import { DataError } from '../../contracts/errors.js';
import type { ModelConfig } from '../../model/config.js';
import { loadSample, type ArchiveIndex, type LoadedSample, type SplitName } from './archive.js';

export type ArchiveInit = ArchiveIndex['inits'][number];

export interface SampleExtras {
  rawMembers?: boolean;
  perfect?: boolean;
  fallback?: boolean;
}

/** Samples loaded ahead of the consumer by default (one in use, one being read). */
export const DEFAULT_PREFETCH = 2;

/** The initialisations of a split, in time order; DataError when it holds none. */
export function splitInits(index: ArchiveIndex, split: SplitName): ArchiveInit[] {
  const inits = index.inits.filter((i) => i.split === split);
  if (inits.length === 0) throw new DataError(`${index.dir}: the ${split} split holds no initialisations`);
  return inits;
}

/**
 * The samples of `inits`, in that order, each read when the consumer is at most `prefetch` samples behind.
 * A read error surfaces at that sample (the ones before it were delivered); stopping early (break) leaves
 * no read running unobserved.
 */
export async function* streamSamples(
  index: ArchiveIndex,
  inits: readonly ArchiveInit[],
  cfg: ModelConfig,
  extras: SampleExtras = {},
  o: {
    prefetch?: number;
    onProgress?: (done: number, total: number) => void;
    /** The reader of one initialisation (default loadSample; tests count reads in flight). */
    load?: (init: ArchiveInit) => Promise<LoadedSample>;
  } = {},
): AsyncGenerator<LoadedSample> {
  const load = o.load ?? ((init: ArchiveInit) => loadSample(index, init, cfg, extras));
  const prefetch = Math.max(1, o.prefetch ?? DEFAULT_PREFETCH);
  const queue: Promise<LoadedSample>[] = [];
  let next = 0;
  let done = 0;
  const fill = () => {
    while (queue.length < prefetch && next < inits.length) {
      const p = load(inits[next++]);
      p.catch(() => undefined); // observed when its turn comes; never an unhandled rejection meanwhile
      queue.push(p);
    }
  };
  fill();
  while (queue.length) {
    const s = await queue.shift()!;
    fill();
    o.onProgress?.(++done, inits.length);
    yield s;
  }
}

/** Consecutive batches of `size` items of a stream (the last one shorter). */
export async function* batchesOf<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  if (!(Number.isInteger(size) && size >= 1)) throw new DataError(`batch size ${size} must be ≥ 1`);
  let batch: T[] = [];
  for await (const x of items) {
    batch.push(x);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
