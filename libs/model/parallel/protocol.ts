/**
 * Messages between the tensor thread pool (main thread) and its worker threads. Each request carries an id;
 * the worker answers every request once, in order, with `{ id, ok, value | error }`.
 */
import type { BackendChoice, BackendKind } from '../backend.js';
import type { RawSample } from '../features.js';
import type { GaussianForecast, WindowJob, WindowResult } from '../mixedModel.js';
import type { ModelFiles, ModelManifest } from '../serialize.js';
import type { TrainStage, ValidationSums } from '../stageLoss.js';
import type { ShardGroupMemory } from './shardGroup.js';
import type { PhaseTotals } from './threadClock.js';

/** One request handled by a thread, as its phase profile records it (bench threads). */
export interface RequestProfile {
  type: WorkerRequest['type'];
  rank: number;
  /** The thread's kernel task id (Linux), so a profiler can tell it from the process's other threads. */
  tid: number | null;
  /** Wall clock (ms since the epoch): posted by the main thread, received (deserialised) here, started, ended. */
  sentMs: number;
  receivedMs: number;
  startMs: number;
  endMs: number;
  /** Phases of a training step: inputs, frozen (UQ), forwardBackward, gradRead, reduce, adam, bnShare. */
  phases: Record<string, PhaseTotals>;
  /** CPU ms of each stretch between barriers (a step's critical path is Σ of the slowest thread's stretch). */
  segments: number[];
}

export type WorkerRequest =
  | { type: 'init'; backend: BackendKind; rank: number; timeoutMs: number; profile?: boolean }
  | { type: 'model'; manifest: ModelManifest; files: ModelFiles; memory: ShardGroupMemory }
  | { type: 'stage'; stage: TrainStage; learningRate: number }
  | { type: 'learningRate'; learningRate: number }
  /** This thread's shard (empty when the batch has fewer samples than threads); `active` threads hold samples. */
  | { type: 'step'; samples: RawSample[]; active: number; globalBatch: number }
  | { type: 'getWeights' }
  | { type: 'setWeights'; weights: Float32Array[] }
  | { type: 'validate'; samples: RawSample[]; batchSize: number }
  | { type: 'predict'; samples: RawSample[]; batchSize: number }
  /** One tile window of tiled inference (libs/model/tiling.ts). */
  | { type: 'window'; job: WindowJob }
  | { type: 'endStage' }
  /** The profiles recorded since the last call (init with `profile: true`), then forgotten. */
  | { type: 'profile' };

export interface WorkerReplies {
  init: BackendChoice;
  /** Trainable parameters of the model (BC + UQ). */
  model: number;
  stage: null;
  learningRate: null;
  /** This shard's scaled loss (0 for an empty shard). */
  step: number;
  getWeights: Float32Array[];
  setWeights: null;
  validate: ValidationSums;
  predict: GaussianForecast[];
  window: WindowResult;
  endStage: null;
  profile: RequestProfile[];
}

/** A request as posted: `sentMs` (wall clock) only when the pool profiles. */
export interface WorkerMessage {
  id: number;
  req: WorkerRequest;
  sentMs?: number;
}

export interface WorkerError {
  name: string;
  code?: string;
  permanent?: boolean;
  message: string;
}

export type WorkerReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WorkerError };
