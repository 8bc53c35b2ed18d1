/**
 * Provenance and domain of use of a model's products (issue 14): what every product file and API result
 * says about the model that made it, and whether an input lies inside the data the model was trained on.
 * Pure functions over the model manifest, its normalisation statistics and the input's model features.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { predictorKeys, type ModelConfig } from './config.js';
import { ANALYSIS_SOURCE_TEXT, type AnalysisSource, type RawSample } from './features.js';
import type { NormalizationStats } from './normalization.js';
import type { ModelManifest } from './serialize.js';

export interface ModelProvenance {
  model_id: string;
  /** First 16 hex digits of SHA-256 over the model files' own SHA-256 (sorted by name). */
  model_version_hash: string;
  training_data: string;
  training_data_fingerprint: string;
  /** "synthetic testbed" for `epp testbed` archives (the only training data `epp train` reads so far). */
  training_data_kind: string;
  method: string;
  members: string;
}

/** The provenance block of a model folder's products. */
export function modelProvenance(
  modelDir: string,
  manifest: ModelManifest,
  method: string,
  members: number[] | number,
): ModelProvenance {
  const files = Object.entries((manifest.files ?? {}) as Record<string, unknown>)
    .map(([name, v]) => `${name}:${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .sort()
    .join('\n');
  const td = (manifest.trainingData ?? {}) as { dir?: string; fingerprint?: string; kind?: string };
  return {
    model_id: path.basename(path.resolve(modelDir)),
    model_version_hash: createHash('sha256').update(files).digest('hex').slice(0, 16),
    training_data: td.dir ? path.basename(td.dir) : 'unknown',
    training_data_fingerprint: td.fingerprint ?? 'unknown',
    training_data_kind: td.kind ?? 'synthetic testbed',
    method,
    members: Array.isArray(members) ? members.join(',') : `1-${members}`,
  };
}

export interface DomainCheck {
  inside: boolean;
  /** One sentence per finding (empty when inside). */
  warnings: string[];
  /** Per predictor key: the input's and the training data's mean and spatial spread. */
  levels: { key: string; mean: number; spread: number; trainMean: number; trainSpread: number }[];
}

/**
 * Mean-shift tolerance in training standard deviations, and spread-ratio bounds: an input whose
 * field mean moves by more than 0.25 σ_train or whose spread differs by more than a factor 1.5 from the
 * training data's lies outside the climate the network's normalisation was fitted on.
 */
export const DOMAIN_LIMITS = { meanShiftSigma: 0.25, spreadRatio: 1.5 };

/**
 * Compare an input's subset-mean fields at the target lead (the BC channels after the analysis ones) with
 * the model's normalisation statistics (fitted on the training data), per predictor and level.
 */
export function checkDomain(
  raw: RawSample,
  cfg: ModelConfig,
  stats: NormalizationStats,
  provenance?: Pick<ModelProvenance, 'training_data_kind' | 'training_data'>,
): DomainCheck {
  const keys = predictorKeys(cfg);
  const K = keys.length;
  const levels: DomainCheck['levels'] = [];
  const warnings: string[] = [];
  // A plain loop (not a callback per call): V8 compiled a fresh closure's loops again for every job.
  for (let i = 0; i < K; i++) {
    const key = keys[i];
    const f = raw.bc[K + i];
    let s = 0;
    for (const v of f) s += v;
    const mean = s / f.length;
    let ss = 0;
    for (const v of f) ss += (v - mean) ** 2;
    const spread = Math.sqrt(ss / f.length);
    const trainMean = stats.bcMean[K + i];
    const trainSpread = stats.bcStd[K + i];
    levels.push({ key, mean, spread, trainMean, trainSpread });
    const shift = Math.abs(mean - trainMean) / trainSpread;
    const ratio = spread / trainSpread;
    if (
      shift > DOMAIN_LIMITS.meanShiftSigma ||
      ratio > DOMAIN_LIMITS.spreadRatio ||
      ratio < 1 / DOMAIN_LIMITS.spreadRatio
    )
      warnings.push(
        `${key}: input mean ${mean.toPrecision(6)}, spread ${spread.toPrecision(4)} vs training ${trainMean.toPrecision(6)}, ${trainSpread.toPrecision(4)} (shift ${shift.toFixed(2)} σ, spread ratio ${ratio.toFixed(2)})`,
      );
  }
  if (provenance?.training_data_kind === 'synthetic testbed')
    warnings.unshift(
      `the model was trained on a synthetic testbed (${provenance.training_data}), not on real data: its output on real input is outside its domain of use`,
    );
  return { inside: warnings.length === 0, warnings, levels };
}

/** Global attributes of a product: provenance, analysis source and domain of use (issue 14). */
export function provenanceAttributes(
  p: ModelProvenance,
  analysis: AnalysisSource,
  domain: DomainCheck,
): Record<string, string> {
  return {
    epp_model_id: p.model_id,
    epp_model_version_hash: p.model_version_hash,
    epp_training_data: p.training_data,
    epp_training_data_fingerprint: p.training_data_fingerprint,
    epp_training_data_kind: p.training_data_kind,
    epp_method: p.method,
    epp_members: p.members,
    epp_analysis_source: ANALYSIS_SOURCE_TEXT[analysis],
    epp_domain_of_use: domain.inside ? 'inside the training data' : 'OUTSIDE the training data',
    ...(domain.warnings.length ? { epp_domain_warning: domain.warnings.join('; ') } : {}),
  };
}
