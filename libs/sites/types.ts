/**
 * Site (station) ensemble data as libs/sites sees it, independent of the file layout (CF timeSeries or
 * IMPROVER spot files): float32 values with explicit [time, station, member] layout, units and sources.
 */

/** The stations of a file, in file order. */
export interface SiteStations {
  /** Station identifiers (CF `station_id` with cf_role timeseries_id, or IMPROVER `wmo_id`). */
  id: string[];
  name?: string[];
  latitude: Float64Array;
  longitude: Float64Array;
  altitude: Float64Array;
}

/** An ensemble forecast at stations: data[time, station, member]; NaN where missing. */
export interface SiteForecast {
  source: string;
  variable: string;
  /** CF standard_name of the variable (chooses the distribution family), when the file gives one. */
  standardName?: string;
  units: string;
  stations: SiteStations;
  /** Validity times (end of the validity period), epoch seconds, strictly increasing. */
  times: Float64Array;
  /** Forecast reference (initialisation) times, epoch seconds, when known. */
  referenceTimes?: Float64Array;
  /** Lead time in seconds, when the file gives one. */
  forecastPeriod?: number;
  /** Member identifiers (realization coordinate), in file order. */
  members: number[];
  data: Float32Array;
  /** Non-member forecasts of the same variable (e.g. `precipitation_amount_hres`), each [time, station]. */
  extras: Record<string, Float32Array>;
}

/** Observations at stations: data[time, station]; NaN where missing. */
export interface SiteObservations {
  source: string;
  variable: string;
  units: string;
  stationIds: string[];
  times: Float64Array;
  data: Float32Array;
}

/** Forecast–observation pairs by station and validity time (indices into the forecast). */
export interface SitePairs {
  /** Forecast time index and station index of each pair. */
  time: Int32Array;
  station: Int32Array;
  /** Observation of each pair, in the forecast's units. */
  obs: Float64Array;
  n: number;
  /** Pairs dropped, by reason (never paired wrong, always counted). */
  skipped: { missingForecast: number; missingObservation: number; noObservationTime: number };
}

/**
 * Predictive distribution families: Gaussian; logistic left-censored at 0 (Messner et al. 2014); censored
 * shifted gamma (Scheuerer & Hamill 2015); hurdle log-normal (P(Y > 0) = π, log-normal amounts when wet);
 * GEV left-censored at 0 (Scheuerer 2014; EMOS only).
 */
export type SiteFamily =
  'normal' | 'censored-logistic' | 'censored-shifted-gamma' | 'hurdle-lognormal' | 'censored-gev';

export const SITE_FAMILIES: readonly SiteFamily[] = [
  'normal',
  'censored-logistic',
  'censored-shifted-gamma',
  'hurdle-lognormal',
  'censored-gev',
];
