/**
 * A pool of tensor worker threads (./tensorWorker.ts), each with its own tfjs backend — under Node the wasm
 * backend is single-threaded (tfjs issue #3830), so one thread per core is how a process uses every core.
 *
 * Usage:
 *   const pool = await TensorThreadPool.start({ threads: 2, backend: 'wasm' });
 *   await pool.loadModel(model);                    // every thread gets a copy
 *   const forecasts = await pool.predict(samples);  // samples spread over the threads, results in order
 *   await pool.beginStage('bc', 2e-3);              // data-parallel training (see ./shardGroup.ts)
 *   const loss = await pool.step(batch);            // = single-thread loss of the same batch (float tolerance)
 *   await pool.pullWeights(model);                  // the threads' (identical) weights into `model`
 *   await pool.close();
 *
 * A failed or exited thread aborts the group (threads waiting at a barrier are released with an error), rejects
 * every pending call with ThreadPoolError and leaves the pool closed; start a new one to continue.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { EppError, InvalidArgumentError, ThreadPoolError } from '../../contracts/errors.js';
import type { BackendChoice, BackendKind } from '../backend.js';
import type { RawSample } from '../features.js';
import {
  AUTO_TILE,
  AUTO_TILE_POINTS,
  type GaussianForecast,
  type MixedModel,
  type WindowJob,
  type WindowResult,
} from '../mixedModel.js';
import { modelToFiles } from '../serialize.js';
import type { TileOptions } from '../tiling.js';
import { addValidationSums, checkStage, type TrainStage, type ValidationSums } from '../stageLoss.js';
import type { RequestProfile, WorkerReplies, WorkerReply, WorkerRequest } from './protocol.js';
import { threadTime } from './threadClock.js';

export type { RequestProfile } from './protocol.js';
import { abortShardGroup, allocateShardGroupMemory, type ShardGroupMemory } from './shardGroup.js';

export interface TensorPoolOptions {
  /** Worker threads; default: the cores available to this process (os.availableParallelism()). */
  threads?: number;
  /** Backend of every thread (default wasm). */
  backend?: BackendKind;
  /** Longest wait at a barrier before a thread gives up (ms; default 10 min). */
  timeoutMs?: number;
  /** Record each request's phases in the threads (bench threads; `profiles()` collects them). */
  profile?: boolean;
}

/** The calling thread's share of one pool call (bench threads' profile). */
export interface MainProfile {
  type: WorkerRequest['type'];
  /** Wall clock (ms since the epoch): call entered, every request posted (serialised), last reply in. */
  startMs: number;
  postedMs: number;
  endMs: number;
  /** This thread's CPU during the call (posting = structured cloning, replies, sums). */
  cpuMs: number;
}

/**
 * V8 heap limits of each tensor thread. A training step makes tens of MB of short-lived JS objects (tfjs's tensor
 * bookkeeping, shard messages); with V8's default young generation (16 MB semi-spaces) they are scavenged
 * several times per step, in parallel on the process's helper threads, which then take CPU from the other tensor
 * thread (bench threads counts the helpers' CPU). A 96 MB young generation (32 MB semi-spaces) roughly halved the
 * helpers' CPU per step there. Memory is committed only as the young generation grows.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 96 };

/** Cores available to this process: the default thread count. */
export function availableThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * The worker's compiled file. Under tsc output it sits next to this module; when the sources run directly
 * (jest runs the .ts files) the built copy under dist/ is used — `npm test` builds first.
 */
export function tensorWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'tensorWorker.js');
  if (here.endsWith('.js')) return sibling;
  let root = path.dirname(here);
  while (!existsSync(path.join(root, 'package.json')) && path.dirname(root) !== root)
    root = path.dirname(root);
  const built = path.join(root, 'dist', path.relative(root, path.dirname(here)), 'tensorWorker.js');
  if (!existsSync(built)) throw new ThreadPoolError(`tensor worker ${built} is not built: run npm run build`);
  return built;
}

/** Contiguous shards of n items over `threads`, as even as possible; the first min(n, threads) are non-empty. */
export function shardRanges(n: number, threads: number): [number, number][] {
  const out: [number, number][] = [];
  let lo = 0;
  for (let r = 0; r < threads; r++) {
    const size = Math.floor(n / threads) + (r < n % threads ? 1 : 0);
    out.push([lo, lo + size]);
    lo += size;
  }
  return out;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class ThreadHandle {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    readonly worker: Worker,
    private readonly onFailure: (err: Error) => void,
    private readonly stamp = false,
  ) {
    worker.unref();
    worker.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      if (r.ok) p.resolve(r.value);
      else
        p.reject(
          r.error.code
            ? new EppError(r.error.code, r.error.message, { permanent: r.error.permanent })
            : new ThreadPoolError(`tensor thread failed: ${r.error.name}: ${r.error.message}`),
        );
    });
    worker.on('error', (err) => onFailure(new ThreadPoolError(`tensor thread crashed: ${err.message}`)));
    worker.on('exit', (code) => onFailure(new ThreadPoolError(`tensor thread exited (code ${code})`)));
  }

  request(req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref(); // a pending reply keeps the process alive, an idle pool not
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const sentMs = this.stamp ? performance.timeOrigin + performance.now() : undefined;
      this.worker.postMessage({ id, req, sentMs }, transfer);
    });
  }

  /** Requests sent and not yet answered. */
  get busy(): number {
    return this.pending.size;
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export class TensorThreadPool {
  private memory: ShardGroupMemory | null = null;
  private failure: Error | null = null;
  private closed = false;
  private stage: TrainStage | null = null;

  private constructor(
    private readonly handles: ThreadHandle[],
    /** The backend each thread selected (reported by `epp backends`). */
    readonly backends: BackendChoice[],
    private readonly profiling = false,
  ) {}

  /** The calling thread's part of each call since the last `profiles()` (profile: true). */
  private mainProfiles: MainProfile[] = [];

  /**
   * The phase profiles recorded since the last call (pool started with `profile: true`): per thread, each
   * request it handled; and the calling thread's part of each pool call.
   */
  async profiles(): Promise<{ threads: RequestProfile[][]; main: MainProfile[] }> {
    const threads = await this.all(() => ({ type: 'profile' }));
    return { threads, main: this.mainProfiles.splice(0) };
  }

  static async start(o: TensorPoolOptions = {}): Promise<TensorThreadPool> {
    const threads = o.threads ?? availableThreads();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256)
      throw new InvalidArgumentError(`tensor threads must be an integer in [1, 256], got ${threads}`);
    const file = tensorWorkerPath();
    const handles: ThreadHandle[] = [];
    let pool: TensorThreadPool | null = null;
    const fail = (err: Error) => pool?.fail(err);
    for (let r = 0; r < threads; r++)
      handles.push(
        new ThreadHandle(new Worker(file, { resourceLimits: WORKER_LIMITS }), fail, o.profile === true),
      );
    pool = new TensorThreadPool(handles, [], o.profile === true);
    try {
      const backends = (await Promise.all(
        handles.map((h, rank) =>
          h.request({
            type: 'init',
            backend: o.backend ?? 'wasm',
            rank,
            timeoutMs: o.timeoutMs ?? 600_000,
            profile: o.profile === true,
          }),
        ),
      )) as BackendChoice[];
      pool.backends.push(...backends);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get threads(): number {
    return this.handles.length;
  }

  /** One line: how many threads, on which backend. */
  describe(): string {
    const b = this.backends[0];
    return `${this.threads} tensor thread${this.threads === 1 ? '' : 's'}, each ${b?.name ?? '?'}${b?.threads === undefined ? '' : ` (${b.threads} XNNPACK thread)`}`;
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.failure ??= err;
    if (this.memory) abortShardGroup(this.memory);
    for (const h of this.handles) h.failAll(err);
  }

  private check(): void {
    if (this.closed) throw new ThreadPoolError('tensor thread pool is closed');
    if (this.failure) throw new ThreadPoolError(`tensor thread pool failed earlier: ${this.failure.message}`);
  }

  private async all<K extends keyof WorkerReplies>(
    reqOf: (rank: number) => WorkerRequest & { type: K },
  ): Promise<WorkerReplies[K][]> {
    this.check();
    const t0 = this.profiling ? threadTime() : null;
    try {
      const reqs = this.handles.map((_, r) => reqOf(r));
      const replies = this.handles.map((h, r) => h.request(reqs[r]));
      const postedMs = performance.timeOrigin + performance.now();
      const out = (await Promise.all(replies)) as WorkerReplies[K][];
      if (t0) {
        const t1 = threadTime();
        const type = reqs[0].type;
        if (type !== 'profile')
          this.mainProfiles.push({
            type,
            startMs: t0.wallMs,
            postedMs,
            endMs: t1.wallMs,
            cpuMs: t1.cpuMs - t0.cpuMs,
          });
      }
      return out;
    } catch (err) {
      // One thread's failure aborts the group; keep the first cause.
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /** Give every thread a copy of `model` (its current weights). */
  async loadModel(model: MixedModel): Promise<void> {
    this.check();
    const { files, manifest } = await modelToFiles(model);
    const params = [model.bc, model.uq].reduce(
      (n, net) =>
        n + net.trainableWeights.reduce((k, w) => k + tf.util.sizeFromShape(w.shape as number[]), 0),
      0,
    );
    const fixed = [model.bc, model.uq].reduce(
      (n, net) =>
        n + net.nonTrainableWeights.reduce((k, w) => k + tf.util.sizeFromShape(w.shape as number[]), 0),
      0,
    );
    this.memory = allocateShardGroupMemory(this.threads, params, fixed);
    const memory = this.memory;
    this.stage = null;
    await this.all(() => ({ type: 'model', manifest, files, memory }));
  }

  /**
   * μ, σ of every sample (inference), `batchSize` at a time on whichever thread is free (a thread asks for the
   * next batch when it has answered the last); results in input order. Dynamic rather than one contiguous shard
   * per thread: the threads of one process do not run at the same speed (bench threads, 19:10 UTC session 10,
   * 32 samples in two static shards of 16: 1,387 vs 976 ms thread CPU, so the faster thread idled for ~30 % of
   * the call). Each batch is `samples[k·batchSize, (k+1)·batchSize)` whichever thread runs it, so the result does
   * not depend on the scheduling.
   */
  async predict(samples: RawSample[], batchSize = 1): Promise<GaussianForecast[]> {
    this.check();
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`inference batch size must be an integer >= 1, got ${batchSize}`);
    const t0 = this.profiling ? threadTime() : null;
    const out = new Array<GaussianForecast>(samples.length);
    let next = 0;
    const drain = async (h: ThreadHandle): Promise<void> => {
      while (next < samples.length && !this.failure) {
        const lo = next;
        next = Math.min(samples.length, lo + batchSize);
        const part = (await h.request({
          type: 'predict',
          samples: samples.slice(lo, next),
          batchSize,
        })) as GaussianForecast[];
        for (let k = 0; k < part.length; k++) out[lo + k] = part[k];
      }
    };
    try {
      await Promise.all(this.handles.map(drain));
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    this.check();
    if (t0) {
      const t1 = threadTime();
      this.mainProfiles.push({
        type: 'predict',
        startMs: t0.wallMs,
        postedMs: t0.wallMs,
        endMs: t1.wallMs,
        cpuMs: t1.cpuMs - t0.cpuMs,
      });
    }
    return out;
  }

  /** Tile windows each thread has run (tests and benches check the spread). */
  readonly windowsRun: number[] = [];

  /** One tile window on the least busy thread (the job's buffers move to it). */
  async runWindow(job: WindowJob): Promise<WindowResult> {
    this.check();
    const h = this.handles.reduce((a, x) => (x.busy < a.busy ? x : a));
    const r = this.handles.indexOf(h);
    this.windowsRun[r] = (this.windowsRun[r] ?? 0) + 1;
    try {
      return (await h.request({ type: 'window', job }, [
        job.bc.buffer,
        job.uq.buffer,
        job.spread.buffer,
      ] as ArrayBuffer[])) as WindowResult;
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /**
   * Inference of a job's samples on every thread (the pool holds `model`'s weights: loadModel first).
   * At least as many samples as threads: the samples are spread (predict). Fewer samples on a grid that runs
   * tiled (more than AUTO_TILE_POINTS padded points, or `tiles` given): the tile windows are spread, inputs
   * encoded and outputs stitched here. Otherwise (a few samples on a small grid): one thread per sample. Equal to
   * `model.predict` within float rounding either way.
   */
  async forecast(
    model: MixedModel,
    samples: RawSample[],
    o: { tiles?: TileOptions } = {},
  ): Promise<GaussianForecast[]> {
    const { height, width } = model.encoder.padding;
    const tiles = o.tiles ?? (height * width > AUTO_TILE_POINTS ? { tile: AUTO_TILE } : undefined);
    if (tiles && samples.length < this.threads)
      return model.predictTiled(samples, {
        ...tiles,
        runner: (job) => this.runWindow(job),
        concurrency: this.threads,
      });
    return this.predict(samples);
  }

  /** Validation sums of `samples` (inference), spread over the threads. */
  async validate(samples: RawSample[], batchSize: number): Promise<ValidationSums> {
    const ranges = shardRanges(samples.length, this.threads);
    const parts = await this.all((r) => ({
      type: 'validate',
      samples: samples.slice(...ranges[r]),
      batchSize,
    }));
    const total = parts[0];
    for (const p of parts.slice(1)) addValidationSums(total, p);
    return total;
  }

  /** Start a training stage: a fresh Adam on every thread (moments start at zero, as a new single-thread one). */
  async beginStage(stage: TrainStage, learningRate: number): Promise<void> {
    checkStage(stage);
    if (!(learningRate > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    await this.all(() => ({ type: 'stage', stage, learningRate }));
    this.stage = stage;
  }

  async setLearningRate(learningRate: number): Promise<void> {
    if (!(learningRate > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    await this.all(() => ({ type: 'learningRate', learningRate }));
  }

  /** One synchronous data-parallel step on `batch`; returns the global batch's loss. */
  async step(batch: RawSample[]): Promise<number> {
    if (!this.stage) throw new ThreadPoolError('pool.step before pool.beginStage');
    if (batch.length === 0) throw new InvalidArgumentError('a training batch needs at least one sample');
    const ranges = shardRanges(batch.length, this.threads);
    const active = Math.min(batch.length, this.threads);
    const losses = await this.all((r) => ({
      type: 'step',
      samples: batch.slice(...ranges[r]),
      active,
      globalBatch: batch.length,
    }));
    return losses.reduce((a, b) => a + b, 0);
  }

  async endStage(): Promise<void> {
    await this.all(() => ({ type: 'endStage' }));
    this.stage = null;
  }

  /** Copy the threads' weights (all equal; thread 0's) into `model`. */
  async pullWeights(model: MixedModel): Promise<void> {
    this.check();
    const values = (await this.handles[0].request({ type: 'getWeights' })) as Float32Array[];
    const current = [...model.bc.getWeights(), ...model.uq.getWeights()];
    const ts = values.map((v, i) => tf.tensor(v, current[i].shape));
    const nb = model.bc.getWeights().length;
    model.bc.setWeights(ts.slice(0, nb));
    model.uq.setWeights(ts.slice(nb));
    tf.dispose(ts);
  }

  /** Set every thread's weights to `model`'s (e.g. after restoring the best epoch). */
  async pushWeights(model: MixedModel): Promise<void> {
    const weights = [...model.bc.getWeights(), ...model.uq.getWeights()].map(
      (w) => w.dataSync() as Float32Array,
    );
    await this.all(() => ({ type: 'setWeights', weights }));
  }

  /** Weights of every thread (for tests: they must be identical). */
  async threadWeights(): Promise<Float32Array[][]> {
    return this.all(() => ({ type: 'getWeights' }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.memory) abortShardGroup(this.memory);
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
