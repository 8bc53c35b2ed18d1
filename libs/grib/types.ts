/** What the GRIB index knows about each field, before any data are decoded. */

/** A horizontal grid as GRIB describes it (section 2 of GRIB1, section 3 of GRIB2). */
export interface GribGrid {
  /** ecCodes' gridType: regular_ll, regular_gg, reduced_gg, lambert, polar_stereographic. */
  type: 'regular_ll' | 'regular_gg' | 'reduced_gg' | 'lambert' | 'polar_stereographic';
  /** Points along a parallel (x) and along a meridian (y); for reduced_gg, nx is 0 and `pl` gives each row. */
  nx: number;
  ny: number;
  numberOfPoints: number;
  /** First and last grid point (degrees); last is NaN for projected grids. */
  lat1: number;
  lon1: number;
  lat2: number;
  lon2: number;
  /** Increments: degrees for lat–lon grids (NaN when not given), metres for projected grids. */
  di: number;
  dj: number;
  /** Scanning mode flags (GRIB2 Code table 3.4 / GRIB1 table 8). */
  iScansNegatively: boolean;
  jScansPositively: boolean;
  jPointsAreConsecutive: boolean;
  alternativeRowScanning: boolean;
  /** Gaussian number N (parallels between a pole and the equator). */
  gaussianN?: number;
  /** Points per row of a reduced Gaussian grid. */
  pl?: number[];
  /** Projected grids: LoV/LaD (degrees), standard parallels, south-pole projection centre. */
  lov?: number;
  lad?: number;
  latin1?: number;
  latin2?: number;
  southPole?: boolean;
  /** Earth radius (metres) for the projections (spherical shapes only). */
  earthRadius: number;
  /** Bytes identifying this grid (two fields share a grid iff their keys are equal). */
  key: string;
}

export interface ParamInfo {
  shortName: string;
  cfVarName: string;
  name: string;
  units: string;
  standardName?: string;
  /** GRIB2 discipline/category/number or GRIB1 table2Version/indicatorOfParameter, for GRIB_ attributes. */
  code: string;
}

/** Where a field's data and bitmap lie, and how they are packed. */
export interface DataDescriptor {
  /** GRIB2 data representation template number (GRIB1 simple packing is reported as 0). */
  template: number;
  /** Number of packed values (points present in the bitmap). */
  numberOfValues: number;
  reference: number;
  binaryScale: number;
  decimalScale: number;
  bitsPerValue: number;
  /** Template-specific octets of section 5 (GRIB2), kept for the complex, CCSDS and PNG decoders. */
  section5?: Uint8Array;
  /** Absolute file offsets and lengths of the packed data and the bitmap (null: every point present). */
  dataOffset: number;
  dataLength: number;
  bitmapOffset: number | null;
  bitmapLength: number;
  /** Bit offset of the bitmap's first bit in its bytes (GRIB1: 0), and unused trailing bits of GRIB1 data. */
  unusedBits: number;
}

export interface GribField {
  /** 1-based message number in the file and 1-based field number within the message (GRIB2 repeats). */
  message: number;
  field: number;
  edition: 1 | 2;
  offset: number;
  length: number;
  centre: number;
  param: ParamInfo;
  /** cfgrib's typeOfLevel (isobaricInhPa, surface, heightAboveGround, …) and the level in its units. */
  typeOfLevel: string;
  level: number;
  /** Ensemble member number (undefined for a deterministic field) and ensemble size. */
  number?: number;
  totalNumber?: number;
  /** MARS type / GRIB2 typeOfEnsembleForecast view: cf, pf, an, fc … */
  dataType?: string;
  /** Reference time (epoch seconds), step (hours; end of the range for statistics), and its kind. */
  refTime: number;
  stepHours: number;
  stepType: string;
  grid: GribGrid;
  data: DataDescriptor;
}
