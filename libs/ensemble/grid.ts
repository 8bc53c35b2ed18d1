/**
 * Horizontal grid of a variable: which of its dimensions are y and x, their coordinates, and the latitude and
 * longitude of every point. Regular lat–lon grids are recognised by name (latitude/longitude, lat/lon) or
 * standard_name; projected grids by projection_y/x_coordinate (name or standard_name). For projected grids,
 * 2-D `latitude`/`longitude` auxiliary variables are used when the file has them, else the points are
 * computed from the CF grid_mapping (lambert_azimuthal_equal_area only; other mappings leave NaN).
 */
import { NotFoundInFileError } from '../contracts/errors.js';
import type { Dataset, VariableInfo } from '../netcdf/types.js';
import { laeaInverse } from './laea.js';
import type { Grid } from './types.js';

const Y_NAMES = ['latitude', 'lat', 'projection_y_coordinate', 'y', 'rlat'];
const X_NAMES = ['longitude', 'lon', 'projection_x_coordinate', 'x', 'rlon'];
const Y_STD = ['latitude', 'projection_y_coordinate', 'grid_latitude'];
const X_STD = ['longitude', 'projection_x_coordinate', 'grid_longitude'];

function findDim(
  ds: Dataset,
  v: VariableInfo,
  names: string[],
  stds: string[],
  axis: string,
): string | undefined {
  return (
    v.dims.find((d) => names.includes(d)) ??
    v.dims.find((d) => {
      if (!ds.hasVariable(d)) return false;
      const a = ds.variable(d).attrs;
      return stds.includes(String(a.standard_name)) || a.axis === axis;
    })
  );
}

function num(v: unknown, fallback: number): number {
  const x = Array.isArray(v) ? Number(v[0]) : Number(v);
  return Number.isFinite(x) ? x : fallback;
}

/** Grid of variable `v`; throws NotFoundInFileError when it has no recognisable y/x dimensions. */
export function detectGrid(ds: Dataset, v: VariableInfo): Grid {
  const yName = findDim(ds, v, Y_NAMES, Y_STD, 'Y');
  const xName = findDim(ds, v, X_NAMES, X_STD, 'X');
  if (!yName || !xName)
    throw new NotFoundInFileError(
      `${ds.path}: variable '${v.name}' (${v.dims.join(', ')}) has no latitude/longitude or projection_y/x dimensions`,
    );
  const coord = (d: string, n: number) =>
    ds.hasVariable(d)
      ? Float64Array.from(ds.readVariable(d).data)
      : Float64Array.from({ length: n }, (_, i) => i);
  const ny = v.shape[v.dims.indexOf(yName)];
  const nx = v.shape[v.dims.indexOf(xName)];
  const y = coord(yName, ny);
  const x = coord(xName, nx);
  const yStd = ds.hasVariable(yName) ? String(ds.variable(yName).attrs.standard_name ?? '') : '';
  const latlon = ['latitude', 'lat'].includes(yName) || yStd === 'latitude';
  const latitude = new Float64Array(ny * nx);
  const longitude = new Float64Array(ny * nx);
  if (latlon) {
    for (let i = 0; i < ny; i++)
      for (let j = 0; j < nx; j++) {
        latitude[i * nx + j] = y[i];
        longitude[i * nx + j] = x[j];
      }
    return { kind: 'latlon', yName, xName, y, x, latitude, longitude };
  }
  const aux2d = (name: string) =>
    ds.hasVariable(name) &&
    ds.variable(name).dims.join() === [yName, xName].join() &&
    Float64Array.from(ds.readVariable(name).data);
  const auxLat = aux2d('latitude') || aux2d('lat');
  const auxLon = aux2d('longitude') || aux2d('lon');
  if (auxLat && auxLon) return { kind: 'projected', yName, xName, y, x, latitude: auxLat, longitude: auxLon };
  const gmName = v.attrs.grid_mapping;
  const gm = typeof gmName === 'string' && ds.hasVariable(gmName) ? ds.variable(gmName).attrs : undefined;
  if (gm?.grid_mapping_name === 'lambert_azimuthal_equal_area') {
    const semiMajor = num(gm.semi_major_axis ?? gm.earth_radius, 6371229);
    const inv = laeaInverse({
      latitudeOfOrigin: num(gm.latitude_of_projection_origin, 0),
      longitudeOfOrigin: num(gm.longitude_of_projection_origin, 0),
      semiMajor,
      semiMinor: num(gm.semi_minor_axis, semiMajor),
      falseEasting: num(gm.false_easting, 0),
      falseNorthing: num(gm.false_northing, 0),
    });
    for (let i = 0; i < ny; i++)
      for (let j = 0; j < nx; j++) {
        const [lat, lon] = inv(x[j], y[i]);
        latitude[i * nx + j] = lat;
        longitude[i * nx + j] = lon;
      }
  } else {
    latitude.fill(NaN);
    longitude.fill(NaN);
  }
  return { kind: 'projected', yName, xName, y, x, latitude, longitude };
}
