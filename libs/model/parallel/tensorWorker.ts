/**
 * Entry point of one tensor worker thread (started by ./pool.ts): its own tfjs backend (wasm: its own
 * single-threaded XNNPACK instance), its own copy of the model, and a ShardGroup shared with the other threads.
 * Requests are handled one at a time, in order. A training step is synchronous from the first batch-norm
 * all-reduce to the applied update (Atomics barriers block this thread only), so no other request interleaves.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { EppError, ModelError } from '../../contracts/errors.js';
import { selectBackend } from '../backend.js';
import type { RawSample } from '../features.js';
import { lcnLayer } from '../bcNet.js';
import { addSmoothnessPart } from '../lcn.js';
import { latitudeWeights } from '../losses.js';
import type { MixedModel } from '../mixedModel.js';
import { modelFromFiles } from '../serialize.js';
import { readInto, tensorFromView } from '../wasm/heap.js';
import {
  disposeStageBatch,
  stageBatch,
  stageLoss,
  stageVariables,
  validationSums,
  type TrainStage,
} from '../stageLoss.js';
import { FlatAdam } from './flatAdam.js';
import type { RequestProfile, WorkerMessage, WorkerReply, WorkerRequest } from './protocol.js';
import { ShardGroup } from './shardGroup.js';
import { synchroniseBatchNorm } from './syncBatchNorm.js';
import { PhaseClock, threadClockExact, threadTaskId } from './threadClock.js';

interface Stage {
  stage: TrainStage;
  optimizer: FlatAdam;
  vars: tf.Variable[];
  /** Latitude weights of the loss. */
  weights: tf.Tensor4D | undefined;
  length: number;
  /**
   * This thread's copy of the flat trainable parameters, of which it updates its chunk (FlatAdam in the gradient
   * reduction); null when the variables were set from outside (stage start, setWeights) and must be read again.
   */
  params: Float32Array | null;
  /** The LCN smoothness penalty's arrays in the flat vector (bc and mixed with a penalty weight), and its weight. */
  penalty: { offset: number; size: number; shape: number[]; latAxis: number }[];
  penaltyWeight: number;
}

let rank = 0;
let timeoutMs = 600_000;
let model: MixedModel | null = null;
let group: ShardGroup | null = null;
let stage: Stage | null = null;
/** Threads holding samples of the current step (the batch-norm all-reduce spans these). */
let active = 1;
/** Phase profiling (init `profile: true`): the clock of the request running now, and the records kept. */
let profiling = false;
let clock: PhaseClock | null = null;
const tid = threadTaskId();
const profiles: RequestProfile[] = [];
const mark = (phase: string) => clock?.mark(phase);

function needModel(): MixedModel {
  if (!model) throw new ModelError('tensor thread has no model loaded');
  return model;
}

function endStage(): void {
  if (!stage) return;
  stage.weights?.dispose();
  stage = null;
}

async function loadModel(req: Extract<WorkerRequest, { type: 'model' }>): Promise<number> {
  endStage();
  model?.dispose();
  model = await modelFromFiles(req.manifest, req.files, 'model sent to a tensor thread');
  group = new ShardGroup(req.memory, rank, timeoutMs);
  const g = group;
  synchroniseBatchNorm([model.bc, model.uq], { allReduce: (v) => g.allReduce(v, active) });
  return [model.bc, model.uq].reduce(
    (n, net) => n + net.trainableWeights.reduce((k, w) => k + tf.util.sizeFromShape(w.shape as number[]), 0),
    0,
  );
}

function beginStage(s: TrainStage, learningRate: number): void {
  endStage();
  const m = needModel();
  const vars = stageVariables(m, s);
  const length = vars.reduce((n, v) => n + v.size, 0);
  // The arrays smoothnessPenalty() reads (kernel [t, h, w, c], bias [h, w, t]), located in the flat vector.
  const lcn = lcnLayer(m.bc);
  const penalty: Stage['penalty'] = [];
  if (s !== 'uq' && lcn.smoothness !== 0) {
    const offsets = new Map<tf.Variable, number>();
    vars.reduce((o, v) => (offsets.set(v, o), o + v.size), 0);
    for (const w of lcn.trainableWeights) {
      const v = w.read() as tf.Variable;
      const offset = offsets.get(v);
      if (offset === undefined) throw new ModelError(`tensor thread: LCN weight ${w.name} is not trained`);
      penalty.push({ offset, size: v.size, shape: v.shape, latAxis: v.rank === 4 ? 1 : 0 });
    }
  }
  stage = {
    stage: s,
    optimizer: new FlatAdam(length, learningRate, tf.backend().epsilon()),
    vars,
    weights: m.config.coslatWeights ? latitudeWeights(m.grid.latitudes, m.grid.ny, m.grid.nx) : undefined,
    length,
    params: null,
    penalty,
    penaltyWeight: lcn.smoothness,
  };
}

/**
 * Gradients of this shard, summed over the group; each thread turns its chunk of the sum into new weights (Adam,
 * ./flatAdam.ts, bitwise tfjs's) and every thread then sets its variables from the whole new vector.
 */
function step(samples: RawSample[], activeThreads: number, globalBatch: number): number {
  const m = needModel();
  const st = stage;
  if (!st || !group) throw new ModelError('tensor thread: step before a training stage began');
  active = activeThreads;
  group.beginStep();
  let loss = 0;
  let local: Float32Array | null = null;
  if (samples.length > 0) {
    const b = stageBatch(m, st.stage, samples, () => mark('inputs'));
    mark('frozen');
    try {
      // What tfjs's Optimizer.computeGradients does (the update is FlatAdam's, below), without the LCN penalty
      // (added below, once for the whole batch).
      const { value, grads } = tf.variableGrads(
        () => stageLoss(m, st.stage, b, st.weights, samples.length / globalBatch, false),
        st.vars,
      );
      loss = value.dataSync()[0];
      mark('forwardBackward');
      // Straight into this thread's slot of the shared gradient buffer (no intermediate copy).
      const slot = group.gradientSlot(st.length);
      let o = 0;
      for (const v of st.vars) {
        const g = grads[v.name];
        if (g) readInto(g, slot, o);
        else slot.fill(0, o, o + v.size);
        o += v.size;
      }
      tf.dispose([value, ...Object.values(grads)]);
      local = slot;
    } finally {
      disposeStageBatch(b);
    }
    mark('gradRead');
  }
  const params = st.params ?? readParams(st.vars, st.length);
  st.params = params;
  if (local && st.penalty.length > 0) {
    // The LCN penalty and its gradient, once for the whole batch: each sample-holding thread takes its share of
    // every penalised array and adds that part's gradient to its own slot (the reduction sums it in) and its
    // part of the penalty to its loss.
    for (const p of st.penalty) {
      const chunk = Math.ceil(p.size / activeThreads);
      const lo = Math.min(p.size, group.rank * chunk);
      const hi = Math.min(p.size, lo + chunk);
      const end = p.offset + p.size;
      loss += addSmoothnessPart(
        params.subarray(p.offset, end),
        p.shape,
        p.latAxis,
        st.penaltyWeight,
        lo,
        hi,
        local.subarray(p.offset, end),
      );
    }
    mark('penalty');
  }
  // Each thread's chunk of the summed gradient → Adam → new weights, in place in the sum slot.
  const next = group.reduceGradients(local, st.length, activeThreads, (lo, hi, sum) =>
    st.optimizer.update(lo, hi, params, sum, sum),
  );
  st.optimizer.finish();
  mark('reduce');
  let o = 0;
  for (const v of st.vars) {
    const t = tensorFromView(next.subarray(o, o + v.size), v.shape);
    v.assign(t);
    t.dispose();
    o += v.size;
  }
  // The chunks other threads updated are in the variables now, not in `params`: keep them equal.
  params.set(next);
  mark('adam');
  if (activeThreads < group.size) {
    shareMovingStatistics(m, group);
    mark('bnShare');
  }
  return loss;
}

/** The flat vector of `vars` (in order), read from the backend. */
function readParams(vars: tf.Variable[], length: number): Float32Array {
  const out = new Float32Array(length);
  let o = 0;
  for (const v of vars) {
    readInto(v, out, o);
    o += v.size;
  }
  return out;
}

/**
 * Threads without samples in a step ran no batch norm, so their moving mean/variance missed that step's update:
 * thread 0 (which always holds samples) broadcasts its moving statistics to all.
 */
function shareMovingStatistics(m: MixedModel, g: ShardGroup): void {
  const vars = [...m.bc.nonTrainableWeights, ...m.uq.nonTrainableWeights];
  const length = vars.reduce((n, v) => n + tf.util.sizeFromShape(v.shape as number[]), 0);
  let mine: Float32Array | null = null;
  if (g.rank === 0) {
    mine = new Float32Array(length);
    let o = 0;
    for (const v of vars) {
      const d = v.read().dataSync() as Float32Array;
      mine.set(d, o);
      o += d.length;
    }
  }
  const all = g.broadcastFromFirst(mine, length);
  if (g.rank === 0) return;
  let o = 0;
  for (const v of vars) {
    const n = tf.util.sizeFromShape(v.shape as number[]);
    const t = tf.tensor(all.subarray(o, o + n), v.shape as number[]);
    v.write(t);
    t.dispose();
    o += n;
  }
}

function getWeights(): Float32Array[] {
  const m = needModel();
  return [...m.bc.getWeights(), ...m.uq.getWeights()].map((w) => w.dataSync() as Float32Array);
}

function setWeights(values: Float32Array[]): void {
  const m = needModel();
  const current = [...m.bc.getWeights(), ...m.uq.getWeights()];
  if (values.length !== current.length)
    throw new ModelError(`tensor thread: ${values.length} weight arrays for a model of ${current.length}`);
  const ts = values.map((v, i) => tf.tensor(v, current[i].shape));
  const nb = m.bc.getWeights().length;
  m.bc.setWeights(ts.slice(0, nb));
  m.uq.setWeights(ts.slice(nb));
  tf.dispose(ts);
  if (stage) stage.params = null;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.type) {
    case 'init':
      rank = req.rank;
      timeoutMs = req.timeoutMs;
      profiling = req.profile === true && threadClockExact();
      return selectBackend(req.backend);
    case 'model':
      return loadModel(req);
    case 'stage':
      beginStage(req.stage, req.learningRate);
      return null;
    case 'learningRate':
      if (!stage) throw new ModelError('tensor thread: learning rate set before a training stage began');
      stage.optimizer.setLearningRate(req.learningRate);
      return null;
    case 'step':
      return step(req.samples, req.active, req.globalBatch);
    case 'getWeights':
      return getWeights();
    case 'setWeights':
      setWeights(req.weights);
      return null;
    case 'validate':
      return validationSums(needModel(), req.samples, req.batchSize);
    case 'predict': {
      const m = needModel();
      const out = [];
      for (let i = 0; i < req.samples.length; i += req.batchSize)
        out.push(...(await m.predict(req.samples.slice(i, i + req.batchSize))));
      return out;
    }
    case 'window':
      return needModel().runWindow(req.job);
    case 'endStage':
      endStage();
      return null;
    case 'profile':
      return profiles.splice(0);
  }
}

/** Buffers of the reply that can move instead of being copied. */
function transferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1);
  };
  visit(value, 0);
  return [...out];
}

const port = parentPort;
if (!port) throw new Error('tensorWorker.js runs as a worker thread of the tensor thread pool');
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerMessage) => {
  const receivedMs = performance.timeOrigin + performance.now();
  queue = queue.then(async () => {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    const record = profiling && msg.req.type !== 'profile';
    const startMs = performance.timeOrigin + performance.now();
    if (record) {
      clock = new PhaseClock(() => group?.waitMs ?? 0);
      group?.traceSegments();
    }
    try {
      const value = await handle(msg.req);
      if (record && clock) {
        mark('rest');
        profiles.push({
          type: msg.req.type,
          rank,
          tid,
          sentMs: msg.sentMs ?? startMs,
          receivedMs,
          startMs,
          endMs: performance.timeOrigin + performance.now(),
          phases: clock.phases,
          segments: group?.segments ? group.endSegments() : [],
        });
      }
      reply = { id: msg.id, ok: true, value };
      // Weights are copies (dataSync), forecasts and window outputs are fresh arrays: all can move.
      const t = msg.req.type;
      if (t === 'getWeights' || t === 'predict' || t === 'window') transfer = transferables(value);
    } catch (err) {
      // The other threads may be waiting for this one at a barrier: release them with an error.
      group?.abort();
      const e = err instanceof Error ? err : new Error(String(err));
      reply = {
        id: msg.id,
        ok: false,
        error: {
          name: e.name,
          message: e.message,
          ...(err instanceof EppError ? { code: err.code, permanent: err.permanent } : {}),
        },
      };
    }
    clock = null;
    if (group?.segments) group.endSegments();
    port.postMessage(reply, transfer);
  });
});
