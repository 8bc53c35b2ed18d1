/**
 * In-memory ensemble fields: float32 values with explicit layout, grid and units. Every library
 * (scoring, EMOS, model, report) works on these; only libs/netcdf knows about files.
 */

/** Horizontal grid of a field: row-major [y, x]. */
export interface Grid {
  /** `latlon` for regular latitude–longitude grids, `projected` for e.g. MOGREPS-UK's equal-area grid. */
  kind: 'latlon' | 'projected';
  /** Names of the y and x dimensions in the source file (`latitude`/`longitude`, `projection_y_coordinate`/…). */
  yName: string;
  xName: string;
  /** Coordinate values along y and x (degrees for latlon, metres for projected). */
  y: Float64Array;
  x: Float64Array;
  /** Latitude of every grid point ([y, x], degrees north); for latlon grids each row is constant. */
  latitude: Float64Array;
  /** Longitude of every grid point ([y, x], degrees east). */
  longitude: Float64Array;
  /** The CF grid-mapping variable of a projected grid (name and attributes, e.g. lambert_azimuthal_equal_area). */
  gridMapping?: { name: string; attrs: Record<string, string | number | number[]> };
}

/** CF metadata of a field that products carry on (scalar coordinates, standard name, time bounds). */
export interface FieldMeta {
  /** CF standard_name of the variable in its file, when it has one. */
  standardName?: string;
  /** Height above ground (m) of a scalar `height` coordinate (e.g. 1.5 m screen temperature). */
  height?: number;
  /** Bounds of the valid time (epoch seconds), for accumulations and period diagnostics. */
  timeBounds?: [number, number];
}

/** One ensemble forecast of one variable at one level and valid time: data[member, y, x]. */
export interface EnsembleField extends FieldMeta {
  variable: string;
  units: string;
  /** Member-major values, length members.length * ny * nx; NaN where missing. */
  data: Float32Array;
  /** Member identifiers from the member coordinate (e.g. 0..9 for ERA5 `number`). */
  members: number[];
  ny: number;
  nx: number;
  grid: Grid;
  /** Valid time, seconds since 1970-01-01T00:00:00Z. */
  validTime: number;
  /** Initialisation (forecast reference) time when known, epoch seconds. */
  initTime?: number;
  /** Lead time in hours when known. */
  leadHours?: number;
  /** Pressure level (hPa) when the variable has one. */
  level?: number;
  /** File the field was read from (for error messages). */
  source: string;
}

/** A single deterministic field (truth / analysis / a statistic): data[y, x]. */
export interface Field2D extends FieldMeta {
  variable: string;
  units: string;
  data: Float32Array;
  ny: number;
  nx: number;
  grid: Grid;
  validTime: number;
  level?: number;
  source: string;
}
