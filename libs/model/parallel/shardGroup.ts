/**
 * Shared memory and synchronisation of a group of tensor worker threads that each hold one shard of a batch
 * (data parallelism). Everything is in SharedArrayBuffers, synchronised with Atomics: two barriers (one for the
 * threads that hold samples — batch-norm moments — and one for every thread — the gradient reduction), a
 * float64 scratch for small all-reduces, and float32 slots for the gradients.
 *
 * Every sum is taken in rank order by one thread and read by all, so every thread sees bit-identical results
 * and applies bit-identical updates (the weights of all threads stay equal without a broadcast).
 *
 * A thread that fails calls `abort()`; every thread waiting at a barrier then throws ThreadPoolError instead of
 * waiting forever, and so does a wait longer than the group's timeout.
 */
import { ThreadPoolError } from '../../contracts/errors.js';
import { threadTime } from './threadClock.js';

const SAMPLE_COUNT = 0;
const SAMPLE_GEN = 1;
const ALL_COUNT = 2;
const ALL_GEN = 3;
const ABORT = 4;
const CONTROL_INTS = 8;

/** The buffers a group shares; posted to every worker thread. */
export interface ShardGroupMemory {
  size: number;
  /** Float32 slots per thread for the gradients (≥ the trainable parameter count). */
  params: number;
  /** Float64 values per thread for all-reduces (≥ 2 × the widest batch-norm layer + 1). */
  scratchLength: number;
  control: SharedArrayBuffer;
  scratch: SharedArrayBuffer;
  /** size gradient slots + one slot for the summed gradient. */
  grads: SharedArrayBuffer;
  /** Values thread 0 broadcasts (batch-norm moving statistics; ≥ the non-trainable parameter count). */
  broadcastLength: number;
  broadcast: SharedArrayBuffer;
}

export function allocateShardGroupMemory(
  size: number,
  params: number,
  broadcastLength: number,
  scratchLength = 4096,
): ShardGroupMemory {
  return {
    size,
    params,
    scratchLength,
    broadcastLength,
    broadcast: new SharedArrayBuffer(Math.max(1, broadcastLength) * 4),
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    scratch: new SharedArrayBuffer(size * scratchLength * 8),
    grads: new SharedArrayBuffer((size + 1) * Math.max(1, params) * 4),
  };
}

/** Mark the group aborted (from any thread, including the main one) and wake every waiter. */
export function abortShardGroup(mem: ShardGroupMemory): void {
  const c = new Int32Array(mem.control);
  Atomics.store(c, ABORT, 1);
  Atomics.notify(c, SAMPLE_GEN);
  Atomics.notify(c, ALL_GEN);
}

export class ShardGroup {
  private readonly control: Int32Array;
  private readonly scratch: Float64Array;
  private readonly grads: Float32Array;
  /** Sleep at barriers so far (ms, wall): waiting for the other threads. */
  waitMs = 0;
  /** Barriers passed so far. */
  barriers = 0;
  /**
   * When set, the CPU time of each stretch between barriers is appended (ms; bench threads' critical path:
   * the sum over stretches of the slowest thread's CPU is the step's time on an idle machine).
   */
  segments: number[] | null = null;
  private segmentStart = 0;

  constructor(
    readonly memory: ShardGroupMemory,
    readonly rank: number,
    private readonly timeoutMs = 600_000,
  ) {
    this.control = new Int32Array(memory.control);
    this.scratch = new Float64Array(memory.scratch);
    this.grads = new Float32Array(memory.grads);
  }

  get size(): number {
    return this.memory.size;
  }

  abort(): void {
    abortShardGroup(this.memory);
  }

  /** Wait until `n` threads (ranks 0..n−1 for `samples`, all for `all`) have arrived. */
  barrier(kind: 'samples' | 'all', n: number): void {
    if (n <= 1) return this.checkAbort();
    const [COUNT, GEN] = kind === 'samples' ? [SAMPLE_COUNT, SAMPLE_GEN] : [ALL_COUNT, ALL_GEN];
    const c = this.control;
    if (this.segments) this.segments.push(threadTime().cpuMs - this.segmentStart);
    const t0 = performance.now();
    this.barriers++;
    const gen = Atomics.load(c, GEN);
    if (Atomics.add(c, COUNT, 1) === n - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
    } else {
      const start = Date.now();
      while (Atomics.load(c, GEN) === gen) {
        this.checkAbort();
        if (Date.now() - start > this.timeoutMs)
          throw new ThreadPoolError(
            `thread ${this.rank} waited over ${this.timeoutMs} ms at a ${kind} barrier`,
          );
        Atomics.wait(c, GEN, gen, 250);
      }
    }
    this.waitMs += performance.now() - t0;
    if (this.segments) this.segmentStart = threadTime().cpuMs;
    this.checkAbort();
  }

  /** Start recording the CPU time between barriers (see `segments`); returns the list being filled. */
  traceSegments(): number[] {
    this.segments = [];
    this.segmentStart = threadTime().cpuMs;
    return this.segments;
  }

  /** Close the last stretch (up to now) and stop recording. */
  endSegments(): number[] {
    const s = this.segments ?? [];
    s.push(threadTime().cpuMs - this.segmentStart);
    this.segments = null;
    return s;
  }

  private checkAbort(): void {
    if (Atomics.load(this.control, ABORT) !== 0)
      throw new ThreadPoolError(`thread group aborted (another tensor thread failed)`);
  }

  /** Sum `values` over the sample-holding ranks 0..n−1 (float64, rank order); every caller gets the same sums. */
  allReduce(values: Float64Array, n: number): Float64Array {
    const L = this.memory.scratchLength;
    if (values.length > L) throw new ThreadPoolError(`all-reduce of ${values.length} values exceeds ${L}`);
    if (n <= 1) return Float64Array.from(values);
    this.scratch.set(values, this.rank * L);
    this.barrier('samples', n);
    const out = new Float64Array(values.length);
    for (let r = 0; r < n; r++) {
      const base = r * L;
      for (let i = 0; i < values.length; i++) out[i] += this.scratch[base + i];
    }
    // Nobody may overwrite its slot (the next all-reduce) before everyone has read it.
    this.barrier('samples', n);
    return out;
  }

  /** This thread's gradient slot (write the local gradient here and pass it to reduceGradients: no copy). */
  gradientSlot(length: number): Float32Array {
    const P = this.memory.params;
    if (length > P) throw new ThreadPoolError(`gradient of ${length} values exceeds the group's ${P}`);
    return this.grads.subarray(this.rank * P, this.rank * P + length);
  }

  /**
   * Sum the flat gradients of ranks 0..active−1 (float32, rank order) with every thread of the group taking part:
   * `local` is this thread's gradient (null when it holds no samples). Each thread sums one contiguous chunk, then
   * all read the whole sum. The returned view stays valid until this thread's next call: the sum slot is only
   * rewritten after the next call's first barrier, which every thread passes only once it is done reading.
   */
  reduceGradients(local: Float32Array | null, length: number, active: number): Float32Array {
    const P = this.memory.params;
    if (length > P) throw new ThreadPoolError(`gradient of ${length} values exceeds the group's ${P}`);
    const N = this.size;
    const sumBase = N * P;
    const inSlot =
      local !== null && local.buffer === this.grads.buffer && local.byteOffset === this.rank * P * 4;
    if (N === 1) {
      if (inSlot) return local.subarray(0, length);
      if (local) this.grads.set(local.subarray(0, length), sumBase);
      else this.grads.fill(0, sumBase, sumBase + length);
      return this.grads.subarray(sumBase, sumBase + length);
    }
    if (local && !inSlot) this.grads.set(local.subarray(0, length), this.rank * P);
    this.barrier('all', N);
    const chunk = Math.ceil(length / N);
    const lo = Math.min(length, this.rank * chunk);
    const hi = Math.min(length, lo + chunk);
    const g = this.grads;
    for (let i = lo; i < hi; i++) {
      let s = 0;
      for (let r = 0; r < active; r++) s += g[r * P + i];
      g[sumBase + i] = s;
    }
    this.barrier('all', N);
    return g.subarray(sumBase, sumBase + length);
  }

  /** Thread 0's `values` to every thread (all take part; others pass null and receive a copy). */
  broadcastFromFirst(values: Float32Array | null, length: number): Float32Array {
    if (length > this.memory.broadcastLength)
      throw new ThreadPoolError(
        `broadcast of ${length} values exceeds the group's ${this.memory.broadcastLength}`,
      );
    const buf = new Float32Array(this.memory.broadcast, 0, length);
    if (this.rank === 0) {
      if (!values) throw new ThreadPoolError('thread 0 must supply the broadcast values');
      buf.set(values.subarray(0, length));
    }
    this.barrier('all', this.size);
    const out = buf.slice();
    this.barrier('all', this.size);
    return out;
  }
}
