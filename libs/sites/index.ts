/**
 * Public API of libs/sites: calibrated site (station) forecasts from K ensemble members.
 *
 * Reading (files → typed arrays):
 *   readSiteForecast(path, variable) → SiteForecast  data[time, station, member], extras (e.g. HRES) [time, station]
 *   readImproverSpotForecasts(paths, variable)        IMPROVER spot files, one per validity time
 *   readSiteObservations(path, variable, units)       CF timeSeries NetCDF or CSV station_id,time,<var>
 *   pairSites(forecast, obs, members, period)         pairs by station id and validity time; gaps counted
 * Methods (configure, then process):
 *   new SiteEmos({family, seasonal, extras, perStation}).process(features, y, station, S)
 *   new SiteDrn({family, extras, hidden, embedding, seeds, …}).process(features, y, station, S, valid)
 * End to end (what the CLI and a case-study report build on):
 *   fitSiteModel(forecast, obs, {method, members, trainFrom?, trainTo, …}) → SiteModel (JSON-serialisable)
 *   predictSiteModel(model, forecast, period?, thresholds?) → SitePrediction
 *       mu/sigma/mean/std [time, station], quantiles [percentile 1..99, time, station],
 *       probabilities P(Y > threshold) [threshold, time, station]
 *   evaluateSiteModel(model, forecast, obs, period) → SiteEvaluation
 *       CRPS (model; raw all / K members, standard and fair; seasonal EMOS all / K) with bootstrap 95 % intervals
 *       over days, skill vs raw-all-fair and vs EMOS, Brier + reliability per threshold, PIT histogram
 *   saveSiteModel / loadSiteModel (model folder with model.json and its SHA-256), writePrediction (CF timeSeries)
 *   fitSiteFiles / predictSiteFiles / evaluateSiteFiles: the same from file paths.
 * Families: 'normal' (temperature), 'censored-logistic' and 'censored-shifted-gamma' (precipitation,
 * left-censored at 0), chosen from the standard_name (familyFor) and overridable; closed-form CRPS in
 * distributions.ts. A DRN can instead output a Bernstein quantile function (drn option output 'bernstein',
 * bernstein.ts); pairCrps / pairCdf / … (predictive.ts) score either kind.
 */
export * from './types.js';
export {
  readSiteForecast,
  readImproverSpotForecasts,
  readSiteObservations,
  readSiteObservationsCsv,
  mergeObservations,
  readSiteObservationsNetcdf,
} from './read.js';
export { pairSites, selectMembers, alignObservations, type Period } from './pairing.js';
export { crps, crpsAndGrad, cdf, quantile, meanStd, pit, isCensored } from './distributions.js';
export { pairFeatures, type PairFeatures } from './features.js';
export {
  bernsteinCrps,
  bernsteinCdf,
  bernsteinQuantile,
  bernsteinMeanStd,
  bernsteinPit,
  monotoneCoefficients,
  BQN_LEVELS,
  type BernsteinForecast,
} from './bernstein.js';
export { pairCrps, pairCdf, pairQuantile, pairMeanStd, pairPit } from './predictive.js';
export { SiteEmos, predictSiteEmos, type SiteEmosOptions, type SiteEmosParams } from './emos.js';
export {
  SiteDrn,
  predictSiteDrn,
  DRN_DEFAULTS,
  type SiteDrnOptions,
  type SiteDrnParams,
  type DrnProgress,
} from './drn.js';
export {
  fitSiteModel,
  predictSiteModel,
  modelParameters,
  saveSiteModel,
  loadSiteModel,
  familyFor,
  defaultThresholds,
  PERCENTILES,
  type FitSiteOptions,
  type SiteModel,
  type SiteMethod,
  type SitePrediction,
} from './model.js';
export { evaluateSiteModel, type SiteEvaluation, type Interval, type ReliabilityBin } from './evaluate.js';
export { writePrediction, predictionSpec } from './predictionFile.js';
export { fitSiteFiles, predictSiteFiles, evaluateSiteFiles } from './files.js';
export { formatEvaluation } from './format.js';
