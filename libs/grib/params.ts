/**
 * Parameter names and units (ecCodes' shortName/name/units, cfgrib's cfVarName and CF standard_name) for the
 * variables epp uses and the common surface ones. Sources: WMO Manual on Codes FM 92 GRIB2 Code table 4.2
 * (discipline 0), GRIB1 Table 2 (version 1–3) and ECMWF's GRIB1 local table 128, as ecCodes 2.28 names them.
 */
import type { ParamInfo } from './types.js';

type Entry = Omit<ParamInfo, 'code'>;

const P = (
  shortName: string,
  name: string,
  units: string,
  standardName?: string,
  cfVarName = shortName,
): Entry => ({ shortName, cfVarName, name, units, ...(standardName ? { standardName } : {}) });

const Z = P('z', 'Geopotential', 'm**2 s**-2', 'geopotential');
const T = P('t', 'Temperature', 'K', 'air_temperature');
const U = P('u', 'U component of wind', 'm s**-1', 'eastward_wind');
const V = P('v', 'V component of wind', 'm s**-1', 'northward_wind');
const Q = P('q', 'Specific humidity', 'kg kg**-1', 'specific_humidity');
const R = P('r', 'Relative humidity', '%', 'relative_humidity');
const W = P('w', 'Vertical velocity', 'Pa s**-1', 'lagrangian_tendency_of_air_pressure');
const VO = P('vo', 'Vorticity (relative)', 's**-1', 'atmosphere_relative_vorticity');
const D = P('d', 'Divergence', 's**-1', 'divergence_of_wind');
const GH = P('gh', 'Geopotential height', 'gpm', 'geopotential_height');
const T2 = P('2t', '2 metre temperature', 'K', undefined, 't2m');
const D2 = P('2d', '2 metre dewpoint temperature', 'K', undefined, 'd2m');
const U10 = P('10u', '10 metre U wind component', 'm s**-1', undefined, 'u10');
const V10 = P('10v', '10 metre V wind component', 'm s**-1', undefined, 'v10');
const SI10 = P('10si', '10 metre wind speed', 'm s**-1', undefined, 'si10');
const MSL = P('msl', 'Mean sea level pressure', 'Pa', 'air_pressure_at_mean_sea_level');
const SP = P('sp', 'Surface pressure', 'Pa', 'surface_air_pressure');
const TCC = P('tcc', 'Total cloud cover', '(0 - 1)', 'cloud_area_fraction');
const LSM = P('lsm', 'Land-sea mask', '(0 - 1)', 'land_binary_mask');

/** ECMWF local table 128 (GRIB1 table2Version 128). */
const ECMWF_128: Record<number, Entry> = {
  129: Z,
  130: T,
  131: U,
  132: V,
  133: Q,
  134: SP,
  135: W,
  138: VO,
  151: MSL,
  155: D,
  156: GH,
  157: R,
  164: TCC,
  165: U10,
  166: V10,
  167: T2,
  168: D2,
  172: LSM,
  207: SI10,
  228: P('tp', 'Total precipitation', 'm', undefined),
};

/** WMO GRIB1 Table 2 (table2Version 1–3), the common entries. */
const WMO_TABLE2: Record<number, Entry> = {
  1: P('pres', 'Pressure', 'Pa', 'air_pressure'),
  2: P('prmsl', 'Pressure reduced to MSL', 'Pa', 'air_pressure_at_mean_sea_level'),
  6: Z,
  7: GH,
  11: T,
  17: P('dpt', 'Dew point temperature', 'K', 'dew_point_temperature'),
  33: U,
  34: V,
  39: W,
  51: Q,
  52: R,
  61: P('tp', 'Total precipitation', 'kg m**-2', undefined),
  71: TCC,
  81: LSM,
};

/** GRIB2 discipline 0 (meteorological products): `category.number`. */
const GRIB2_D0: Record<string, Entry> = {
  '0.0': T,
  '0.6': P('dpt', 'Dew point temperature', 'K', 'dew_point_temperature'),
  '1.0': Q,
  '1.1': R,
  '1.8': P('tp', 'Total precipitation', 'kg m**-2', undefined),
  '2.1': P('ws', 'Wind speed', 'm s**-1', 'wind_speed'),
  '2.2': U,
  '2.3': V,
  '2.8': W,
  '2.12': VO,
  '2.13': D,
  '3.0': SP,
  '3.1': P('prmsl', 'Pressure reduced to MSL', 'Pa', 'air_pressure_at_mean_sea_level'),
  '3.4': Z,
  '3.5': GH,
  '6.1': TCC,
};

/** Surface-specific names (ecCodes concepts): a parameter at a given height or surface has its own shortName. */
function atSurface(e: Entry, typeOfLevel: string, level: number): Entry {
  if (typeOfLevel === 'heightAboveGround' && level === 2) {
    if (e === T) return T2;
    if (e.shortName === 'dpt') return D2;
  }
  if (typeOfLevel === 'heightAboveGround' && level === 10) {
    if (e === U) return U10;
    if (e === V) return V10;
    if (e.shortName === 'ws') return SI10;
  }
  if (typeOfLevel === 'meanSea' && (e === SP || e.shortName === 'pres')) return MSL;
  if (typeOfLevel === 'surface' && e.shortName === 'pres') return SP;
  return e;
}

function unknown(code: string, nameCode: string): ParamInfo {
  return {
    shortName: 'unknown',
    cfVarName: `p${nameCode}`,
    name: `parameter ${code}`,
    units: 'unknown',
    code,
  };
}

export function grib1Param(
  table2Version: number,
  centre: number,
  indicator: number,
  typeOfLevel: string,
  level: number,
): ParamInfo {
  const code = `${table2Version}.${indicator}`;
  const e =
    table2Version === 128 && centre === 98
      ? ECMWF_128[indicator]
      : table2Version <= 3
        ? WMO_TABLE2[indicator]
        : undefined;
  if (!e)
    return unknown(`table2Version ${table2Version} parameter ${indicator}`, `${table2Version}_${indicator}`);
  return { ...atSurface(e, typeOfLevel, level), code };
}

export function grib2Param(
  discipline: number,
  category: number,
  number: number,
  typeOfLevel: string,
  level: number,
): ParamInfo {
  const code = `${discipline}.${category}.${number}`;
  const e = discipline === 0 ? GRIB2_D0[`${category}.${number}`] : undefined;
  if (!e) return unknown(`${discipline}/${category}/${number}`, `${discipline}_${category}_${number}`);
  return { ...atSurface(e, typeOfLevel, level), code };
}

/** GRIB1 Table 3 level types → cfgrib typeOfLevel. */
export const GRIB1_LEVELS: Record<number, string> = {
  1: 'surface',
  4: 'isothermZero',
  6: 'maxWind',
  7: 'tropopause',
  8: 'nominalTop',
  100: 'isobaricInhPa',
  102: 'meanSea',
  103: 'heightAboveSea',
  105: 'heightAboveGround',
  109: 'hybrid',
  111: 'depthBelowLand',
  112: 'depthBelowLandLayer',
  200: 'entireAtmosphere',
};

/** GRIB2 Code table 4.5 surface types → cfgrib typeOfLevel (isobaric levels below 1 hPa are isobaricInPa). */
export const GRIB2_LEVELS: Record<number, string> = {
  1: 'surface',
  4: 'isothermZero',
  6: 'maxWind',
  7: 'tropopause',
  8: 'nominalTop',
  10: 'entireAtmosphere',
  100: 'isobaricInhPa',
  101: 'meanSea',
  102: 'heightAboveSea',
  103: 'heightAboveGround',
  105: 'hybrid',
  106: 'depthBelowLandLayer',
};

/** Units and CF attributes of a level coordinate by typeOfLevel. */
export function levelAttrs(typeOfLevel: string): Record<string, string> {
  switch (typeOfLevel) {
    case 'isobaricInhPa':
      return { units: 'hPa', long_name: 'pressure', positive: 'down', standard_name: 'air_pressure' };
    case 'isobaricInPa':
      return { units: 'Pa', long_name: 'pressure', positive: 'down', standard_name: 'air_pressure' };
    case 'heightAboveGround':
    case 'heightAboveSea':
      return { units: 'm', long_name: 'height above the surface', positive: 'up', standard_name: 'height' };
    case 'depthBelowLandLayer':
    case 'depthBelowLand':
      return { units: 'm', long_name: 'soil depth', positive: 'down', standard_name: 'depth' };
    default:
      return { units: '1', long_name: typeOfLevel };
  }
}
