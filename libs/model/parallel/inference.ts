/**
 * Inference on the process's tensor threads (EPP_TF_THREADS) for the service's forecast jobs (API embedded
 * worker, BullMQ sandboxed processors) and `epp postprocess`: one pool per process, started on first use
 * and only where threads help — a job of several samples (spread over the threads) or a grid that runs
 * tiled (its windows spread); a single sample on a small grid runs in the calling thread, as before.
 * Several worker processes on one node each start their own pool: set EPP_TF_THREADS to cores / processes.
 *
 * The pool holds one model at a time; calls are serialised (a job's samples or windows already fill every
 * thread), and the model is (re)loaded into the threads when a call brings another MixedModel object. A pool
 * whose thread failed is dropped (the call fails with ThreadPoolError, transient) and the next call starts a
 * new one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendKind } from '../backend.js';
import type { RawSample } from '../features.js';
import { AUTO_TILE_POINTS, type GaussianForecast, type MixedModel } from '../mixedModel.js';
import { availableThreads, TensorThreadPool } from './pool.js';

export interface ThreadedInference {
  /** Tensor threads (EPP_TF_THREADS); default the cores available (README); 1: the calling thread only. */
  threads?: number;
  /** The threads' backend; default: the calling thread's (wasm or cpu). */
  backend?: BackendKind;
}

let pool: { key: string; pool: Promise<TensorThreadPool>; loaded: WeakRef<MixedModel> | null } | null = null;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Whether `samples` of `model` would use more than one thread. Never on the native tensorflow backend: it
 * runs multi-threaded by itself.
 */
export function usesThreads(model: MixedModel, samples: number, threads: number | undefined): boolean {
  if (!threads || threads < 2 || tf.getBackend() === 'tensorflow') return false;
  const { height, width } = model.encoder.padding;
  return samples > 1 || height * width > AUTO_TILE_POINTS;
}

/** μ, σ of each sample, spread over the tensor threads when that helps; = model.predict within float rounding. */
export async function predictOnThreads(
  model: MixedModel,
  samples: RawSample[],
  o: ThreadedInference = {},
): Promise<GaussianForecast[]> {
  const threads = o.threads ?? availableThreads();
  if (!usesThreads(model, samples.length, threads)) return model.predict(samples);
  const backend = o.backend ?? (tf.getBackend() === 'cpu' ? 'cpu' : 'wasm');
  const run = queue.then(() => onPool(model, samples, threads, backend));
  queue = run.catch(() => undefined);
  return run;
}

async function onPool(
  model: MixedModel,
  samples: RawSample[],
  threads: number,
  backend: BackendKind,
): Promise<GaussianForecast[]> {
  const key = `${backend}:${threads}`;
  if (!pool || pool.key !== key) {
    const old = pool;
    pool = { key, pool: TensorThreadPool.start({ threads, backend }), loaded: null };
    if (old) void old.pool.then((p) => p.close()).catch(() => undefined);
  }
  const entry = pool;
  try {
    const p = await entry.pool;
    if (entry.loaded?.deref() !== model) {
      entry.loaded = null;
      await p.loadModel(model);
      entry.loaded = new WeakRef(model);
    }
    return await p.forecast(model, samples);
  } catch (err) {
    // A failed pool refuses every later call: drop it so that the next job starts afresh.
    if (pool === entry) pool = null;
    void entry.pool.then((p) => p.close()).catch(() => undefined);
    throw err;
  }
}

/** Stop the process's inference pool (tests, shutdown). */
export async function closeInferencePool(): Promise<void> {
  const entry = pool;
  pool = null;
  if (entry) await (await entry.pool.catch(() => null))?.close();
}
