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
  /** Float64 values per thread and buffer for all-reduces (≥ 2 × the widest batch-norm layer + 1). */
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
    // Two buffers, used in turn by consecutive all-reduces (one barrier each, see allReduce).
    scratch: new SharedArrayBuffer(2 * size * scratchLength * 8),
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

  /** All-reduces of this step so far: which of the two scratch buffers the next one uses. */
  private reduces = 0;

  /** Every thread calls this at the start of a step, so that all agree on the buffer of each all-reduce. */
  beginStep(): void {
    this.reduces = 0;
  }

  /**
   * Sum `values` over the sample-holding ranks 0..n−1 (float64, rank order); every caller gets the same sums.
   *
   * One barrier per call, with two buffers used in turn (call k of a step uses buffer k mod 2). Why no thread
   * can overwrite a buffer that another still reads (JS memory model: Atomics operations are sequentially
   * consistent and order the plain reads and writes around them):
   * - Within a call, thread A writes its slot of buffer b before its Atomics.add on the barrier's count; the
   *   last thread to arrive (its own add follows A's in that location's order) bumps the generation with
   *   Atomics.add, and every waiter leaves only after an Atomics.load sees the new generation. So every write
   *   of the call happens before every read of it.
   * - Thread A next writes buffer b in call k + 2, after leaving call k + 1's barrier. It leaves only once every
   *   thread B has arrived there, and B arrives only after it has read call k's sums (its reads come before its
   *   Atomics.add in program order). So B's reads of call k happen before A's writes of call k + 2.
   * - Across steps: `beginStep()` restarts at buffer 0. A thread reaches the next step's first all-reduce only
   *   after passing this step's gradient-reduction barriers ('all'), which every sample-holding thread reaches
   *   only after its backward pass, i.e. after reading this step's last all-reduce.
   * - Every sample-holding thread makes the same calls in the same order (same graph; n and the value count are
   *   the same on all), so they agree on k. Threads without samples make none and never touch the scratch.
   */
  allReduce(values: Float64Array, n: number): Float64Array {
    const L = this.memory.scratchLength;
    if (values.length > L) throw new ThreadPoolError(`all-reduce of ${values.length} values exceeds ${L}`);
    if (n <= 1) return Float64Array.from(values);
    const buffer = (this.reduces++ % 2) * this.size * L;
    this.scratch.set(values, buffer + this.rank * L);
    this.barrier('samples', n);
    const out = new Float64Array(values.length);
    for (let r = 0; r < n; r++) {
      const base = buffer + r * L;
      for (let i = 0; i < values.length; i++) out[i] += this.scratch[base + i];
    }
    return out;
  }

  /**
   * This thread's gradient slot: write the local gradient here and pass it to reduceGradients (no copy). Safe to
   * write from the moment reduceGradients returned: the other threads read the slots only between its two
   * barriers, so their reads happen before this thread leaves the second one.
   */
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
   *
   * With `apply`, each thread calls apply(lo, hi, sum) on the chunk it summed, right after summing it and before
   * the barrier that publishes the sum (e.g. an optimizer turning the chunk's gradient into new weights in place):
   * the returned view then holds what `apply` wrote for every chunk. With one thread it is applied to all of it.
   */
  reduceGradients(
    local: Float32Array | null,
    length: number,
    active: number,
    apply?: (lo: number, hi: number, sum: Float32Array) => void,
  ): Float32Array {
    const P = this.memory.params;
    if (length > P) throw new ThreadPoolError(`gradient of ${length} values exceeds the group's ${P}`);
    const N = this.size;
    const sumBase = N * P;
    const inSlot =
      local !== null && local.buffer === this.grads.buffer && local.byteOffset === this.rank * P * 4;
    if (N === 1) {
      let out: Float32Array;
      if (inSlot) out = local.subarray(0, length);
      else {
        if (local) this.grads.set(local.subarray(0, length), sumBase);
        else this.grads.fill(0, sumBase, sumBase + length);
        out = this.grads.subarray(sumBase, sumBase + length);
      }
      apply?.(0, length, out);
      return out;
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
    const sum = g.subarray(sumBase, sumBase + length);
    apply?.(lo, hi, sum);
    this.barrier('all', N);
    return sum;
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
