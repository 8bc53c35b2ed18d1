/** Evaluation capability: held-out scores of raw, EMOS and the mixed model on an archive split. */
export {
  evaluateModel,
  scoresForManifest,
  toGrid,
  type EvaluateOptions,
  type EvaluationReport,
} from './evaluate.js';
export { formatEvaluation } from './report.js';
export { TrainingStats, type TrainingStatsOptions } from './trainingStats.js';
