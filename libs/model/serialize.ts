/**
 * Model ↔ in-memory files, through tfjs IO handlers (`io.withSaveHandler`, `io.fromMemory`): this module
 * does no file I/O. Files: bc.json/bc.weights.bin, uq.json/uq.weights.bin (topology + weight specs, raw
 * weights), normalization.json, las.bin. `manifest.json` (built here, written by folder.ts) lists them with
 * their SHA-256.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, version_layers, type LayersModel } from '@tensorflow/tfjs-layers';
import { ModelError } from '../contracts/errors.js';
import { resolveModelConfig, type ModelConfig } from './config.js';
import './lcn.js'; // registers the LCN layer class for deserialisation
import { MixedModel, type ModelGrid } from './mixedModel.js';
import { lasToBuffer, statsFromJson, statsToJson } from './normalization.js';

export const MODEL_FORMAT = 'epp-mixed-model';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  createdAt: string;
  config: ModelConfig;
  grid: ModelGrid;
  /** File name → SHA-256 (hex) of its bytes. */
  files: Record<string, string>;
  libraries: Record<string, string>;
  backend: string;
  /** Training data: fingerprint (SHA-256 of the sorted file list with sizes), splits, sample counts. */
  trainingData?: Record<string, unknown>;
  training?: Record<string, unknown>;
  /** Scores measured on the test split (filled by `epp evaluate --write`/training). */
  scores?: Record<string, unknown>;
}

export type ModelFiles = Record<string, Uint8Array>;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function netToFiles(net: LayersModel, name: string, files: ModelFiles): Promise<void> {
  await net.save(
    tf.io.withSaveHandler((a) => {
      const weightData = tf.io.concatenateArrayBuffers(
        Array.isArray(a.weightData) ? a.weightData : a.weightData ? [a.weightData] : [],
      );
      files[`${name}.json`] = enc.encode(
        JSON.stringify({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs }),
      );
      files[`${name}.weights.bin`] = new Uint8Array(weightData);
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
}

async function netFromFiles(name: string, files: ModelFiles): Promise<LayersModel> {
  const json = files[`${name}.json`];
  const weights = files[`${name}.weights.bin`];
  if (!json || !weights) throw new ModelError(`model is missing ${name}.json or ${name}.weights.bin`);
  const meta = JSON.parse(dec.decode(json)) as {
    modelTopology: object;
    weightSpecs: tf.io.WeightsManifestEntry[];
  };
  const copy = weights.slice().buffer;
  return loadLayersModel(
    tf.io.fromMemory({ modelTopology: meta.modelTopology, weightSpecs: meta.weightSpecs, weightData: copy }),
  );
}

/** All files of a model plus its manifest (whose `files` hold every file's SHA-256). */
export async function modelToFiles(
  model: MixedModel,
  extra: Pick<ModelManifest, 'trainingData' | 'training' | 'scores'> = {},
): Promise<{ files: ModelFiles; manifest: ModelManifest }> {
  const files: ModelFiles = {};
  await netToFiles(model.bc, 'bc', files);
  await netToFiles(model.uq, 'uq', files);
  files['normalization.json'] = enc.encode(JSON.stringify(statsToJson(model.stats)));
  files['las.bin'] = lasToBuffer(model.stats);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    config: model.config,
    grid: model.grid,
    files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, sha256(v)])),
    libraries: { '@tensorflow/tfjs-core': tf.version_core, '@tensorflow/tfjs-layers': version_layers },
    backend: tf.getBackend(),
    ...extra,
  };
  return { files, manifest };
}

/** Check the manifest's format and every file's SHA-256; throws ModelError listing what does not match. */
export function verifyFiles(manifest: ModelManifest, files: ModelFiles, where: string): void {
  if (manifest.format !== MODEL_FORMAT || manifest.formatVersion !== MODEL_FORMAT_VERSION)
    throw new ModelError(`${where}: not an ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} manifest`);
  const problems: string[] = [];
  for (const [name, hash] of Object.entries(manifest.files)) {
    const f = files[name];
    if (!f) problems.push(`${name} is missing`);
    else if (sha256(f) !== hash) problems.push(`${name} does not match its SHA-256 in manifest.json`);
  }
  if (problems.length) throw new ModelError(`${where}: refusing to load: ${problems.join('; ')}`);
}

/** Rebuild a model from verified files. */
export async function modelFromFiles(
  manifest: ModelManifest,
  files: ModelFiles,
  where = 'model',
): Promise<MixedModel> {
  verifyFiles(manifest, files, where);
  let config: ModelConfig;
  try {
    config = resolveModelConfig(manifest.config);
  } catch (err) {
    throw new ModelError(`${where}: manifest config is invalid`, { cause: err });
  }
  const stats = statsFromJson(
    JSON.parse(dec.decode(files['normalization.json'])) as Record<string, unknown>,
    files['las.bin'],
  );
  const bc = await netFromFiles('bc', files);
  const uq = await netFromFiles('uq', files);
  return new MixedModel(config, stats, manifest.grid, bc, uq);
}
