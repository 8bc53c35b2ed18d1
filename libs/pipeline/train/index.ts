/** Training capability: the mixed model (bc/uq/mixed stages) and EMOS coefficients from an archive. */
export { runTrainJob } from './job.js';
export { trainModel, type TrainOptions, type TrainProgress, type TrainResult } from './model.js';
export { StageTrainer, type StepOptions, type TrainStage, type ValidationScores } from './steps.js';
export { writeEmosCoefficients } from './emos.js';
