/** Evaluation capability: held-out scores of raw, EMOS and the mixed model on an archive split. */
export {
  evaluateModel,
  fitEmos,
  scoresForManifest,
  toGrid,
  type EvaluateOptions,
  type EvaluationReport,
} from './evaluate.js';
export { formatEvaluation } from './report.js';
