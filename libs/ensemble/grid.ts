/**
 * Horizontal grid of a variable: which of its dimensions are y and x, their coordinates, and the latitude and
 * longitude of every point. Regular lat–lon grids are recognised by name (latitude/longitude, lat/lon) or
 * standard_name; projected grids by projection_y/x_coordinate (name or standard_name). For projected grids,
 * 2-D `latitude`/`longitude` auxiliary variables are used when the file has them, else the points are
 * computed from the CF grid_mapping (lambert_azimuthal_equal_area only; other mappings leave NaN).
 */
import { NotFoundInFileError } from '../contracts/errors.js';
import type { Dataset, VariableInfo } from '../netcdf/types.js';
import { laeaInverse, laeaParamsFromAttrs } from './laea.js';
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
  const gmName = v.attrs.grid_mapping;
  const gmAttrs =
    typeof gmName === 'string' && ds.hasVariable(gmName) ? ds.variable(gmName).attrs : undefined;
  const gridMapping = gmAttrs ? { name: gmName as string, attrs: { ...gmAttrs } } : undefined;
  const withMapping = (g: Grid): Grid => (gridMapping ? { ...g, gridMapping } : g);
  if (latlon) {
    for (let i = 0; i < ny; i++)
      for (let j = 0; j < nx; j++) {
        latitude[i * nx + j] = y[i];
        longitude[i * nx + j] = x[j];
      }
    return withMapping({ kind: 'latlon', yName, xName, y, x, latitude, longitude });
  }
  const aux2d = (name: string) =>
    ds.hasVariable(name) &&
    ds.variable(name).dims.join() === [yName, xName].join() &&
    Float64Array.from(ds.readVariable(name).data);
  const auxLat = aux2d('latitude') || aux2d('lat');
  const auxLon = aux2d('longitude') || aux2d('lon');
  if (auxLat && auxLon)
    return withMapping({ kind: 'projected', yName, xName, y, x, latitude: auxLat, longitude: auxLon });
  if (gmAttrs?.grid_mapping_name === 'lambert_azimuthal_equal_area') {
    const inv = laeaInverse(laeaParamsFromAttrs(gmAttrs));
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
  return withMapping({ kind: 'projected', yName, xName, y, x, latitude, longitude });
}
