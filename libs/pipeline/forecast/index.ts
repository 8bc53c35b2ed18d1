/**
 * Forecast capability: one post-processing job (raw / EMOS / mixed) on one ensemble file, the products it
 * writes, the queries on a finished result, and `epp postprocess` on an archive with a trained model.
 * Every path handed in is absolute and already confined to the data root by the caller (libs/service).
 */
export {
  outputDir,
  preflightForecast,
  resolveForecastVariable,
  runForecastJob,
  type ForecastContext,
  type ForecastPaths,
} from './job.js';
export {
  checkModelAvailable,
  computeProducts,
  emosCoefficientsPath,
  forecastInputPaths,
  type ForecastInputs,
} from './methods.js';
export { checkMixedRequest, clearModelCache, mixedProducts, type MixedOptions } from './mixed.js';
export { gaussianProducts, rawProducts, type ProductSet } from './products.js';
export {
  areaStats,
  areaSubgrid,
  loadForecastResult,
  pointSeries,
  pointSeriesCsv,
  pointWeights,
  type Interp,
  type LoadedResult,
  type PointSeries,
} from './query.js';
export { planField, readField, type FieldLayout, type SelectedTime } from './read.js';
export {
  assembleForecast,
  productHistory,
  sha256File,
  type AssembledForecast,
  type AssembleOptions,
} from './assemble.js';
export { applyEmosFile, realizationsPath, type ApplyEmosFileOptions } from './emosApply.js';
export { ModelTargetError } from './predictGaussian.js';
export { AnalysisMismatchError, readAnalysis, type AnalysisSpec } from './analysis.js';
export {
  ALL_PRODUCTS,
  postprocessWithModel,
  type PostprocessOptions,
  type PostprocessResult,
  type Product,
} from './postprocess.js';
