/** File-level site operations (read → fit/predict/evaluate → write), the functions the CLI and services call. */
import { existsSync } from 'node:fs';
import { FileAccessError } from '../contracts/errors.js';
import type { DrnProgress } from './drn.js';
import { evaluateSiteModel, type SiteEvaluation } from './evaluate.js';
import {
  fitSiteModel,
  loadSiteModel,
  predictSiteModel,
  saveSiteModel,
  type FitSiteOptions,
  type SiteModel,
  type SitePrediction,
} from './model.js';
import type { Period } from './pairing.js';
import { writePrediction } from './predictionFile.js';
import { readSiteForecast, readSiteObservations } from './read.js';

function mustExist(path: string, flag: string): void {
  if (!existsSync(path)) throw new FileAccessError(`${flag} ${path}: no such file`);
}

export interface FitSiteFilesOptions extends Omit<FitSiteOptions, 'onProgress'> {
  forecast: string;
  observations: string;
  variable: string;
  out: string;
  onProgress?: (p: DrnProgress) => void;
}

export async function fitSiteFiles(o: FitSiteFilesOptions): Promise<{ model: SiteModel; hash: string }> {
  mustExist(o.forecast, '--forecast');
  mustExist(o.observations, '--observations');
  const f = await readSiteForecast(o.forecast, o.variable);
  const obs = await readSiteObservations(o.observations, o.variable, f.units);
  const model = fitSiteModel(f, obs, o);
  return { model, hash: saveSiteModel(o.out, model) };
}

export interface PredictSiteFilesOptions {
  model: string;
  forecast: string;
  out: string;
  period?: Period;
  thresholds?: number[];
}

export async function predictSiteFiles(
  o: PredictSiteFilesOptions,
): Promise<{ prediction: SitePrediction; model: SiteModel; hash: string }> {
  const { model, hash } = loadSiteModel(o.model);
  mustExist(o.forecast, '--forecast');
  const f = await readSiteForecast(o.forecast, model.variable);
  const prediction = predictSiteModel(model, f, o.period, o.thresholds);
  await writePrediction(o.out, prediction, { model, modelHash: hash, forecastFile: o.forecast });
  return { prediction, model, hash };
}

export interface EvaluateSiteFilesOptions {
  model: string;
  forecast: string;
  observations: string;
  period: Period;
  thresholds?: number[];
  /** Other site model folders scored on the same pairs. */
  compare?: string[];
}

export async function evaluateSiteFiles(
  o: EvaluateSiteFilesOptions,
): Promise<{ evaluation: SiteEvaluation; model: SiteModel; hash: string }> {
  const { model, hash } = loadSiteModel(o.model);
  mustExist(o.forecast, '--forecast');
  mustExist(o.observations, '--observations');
  const f = await readSiteForecast(o.forecast, model.variable);
  const obs = await readSiteObservations(o.observations, model.variable, f.units);
  const others = (o.compare ?? []).map((dir) => ({ label: dir, model: loadSiteModel(dir).model }));
  return { evaluation: evaluateSiteModel(model, f, obs, o.period, o.thresholds, others), model, hash };
}
