/**
 * Grid definitions (GRIB1 section 2 data representation types 0, 3, 4, 5; GRIB2 templates 3.0, 3.20, 3.30,
 * 3.40) and the coordinates of their points, in the order the values are presented: rows as stored (the first
 * row is the first stored one), each row from its first stored point — as ecCodes' geoiterator and cfgrib.
 */
import { gaussianLatitudes } from './gaussian.js';
import type { GribGrid } from './types.js';

const RAD = Math.PI / 180;

/** Latitudes of the rows (ny) and longitudes of the columns (nx) of a regular lat–lon or Gaussian grid. */
export function regularAxes(g: GribGrid): { lat: Float64Array; lon: Float64Array } {
  const lat = new Float64Array(g.ny);
  const lon = new Float64Array(g.nx);
  if (g.type === 'regular_ll') {
    const dj = Number.isFinite(g.dj) && g.dj > 0 ? g.dj : Math.abs(g.lat2 - g.lat1) / Math.max(1, g.ny - 1);
    for (let j = 0; j < g.ny; j++) lat[j] = g.lat1 + (g.jScansPositively ? 1 : -1) * j * dj;
  } else {
    const rows = gaussianRows(g);
    lat.set(rows);
  }
  // Gaussian grids: ecCodes steps by (lon2 − lon1)/(Ni − 1), the stored increment being rounded to 10^-6°.
  let di = g.type === 'regular_ll' ? g.di : NaN;
  if (!(Number.isFinite(di) && di > 0)) {
    let span = g.lon2 - g.lon1;
    if (g.iScansNegatively) span = -span;
    if (span < 0) span += 360;
    di = span / Math.max(1, g.nx - 1);
  }
  for (let i = 0; i < g.nx; i++) lon[i] = g.lon1 + (g.iScansNegatively ? -1 : 1) * i * di;
  return { lat, lon };
}

/** The Gaussian latitudes of the grid's rows: from the one nearest lat1, in the scanning direction. */
export function gaussianRows(g: GribGrid): Float64Array {
  const all = gaussianLatitudes(g.gaussianN ?? g.ny / 2); // north to south
  let first = 0;
  let best = Infinity;
  for (let k = 0; k < all.length; k++) {
    const d = Math.abs(all[k] - g.lat1);
    if (d < best) {
      best = d;
      first = k;
    }
  }
  const out = new Float64Array(g.ny);
  for (let j = 0; j < g.ny; j++) {
    const k = g.jScansPositively ? first - j : first + j;
    out[j] = all[Math.min(all.length - 1, Math.max(0, k))];
  }
  return out;
}

/** Latitude and longitude of every point of a reduced Gaussian grid, rows from lat1, each from lon1 east. */
export function reducedPoints(g: GribGrid): { lat: Float64Array; lon: Float64Array } {
  const rows = gaussianRows(g);
  const pl = g.pl ?? [];
  const n = pl.reduce((a, b) => a + b, 0);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  let k = 0;
  const global = Math.abs(g.lon2 - g.lon1 - 360) < 1 || g.lon2 - g.lon1 + 360 / Math.max(...pl) >= 359.9;
  for (let j = 0; j < pl.length; j++) {
    const span = global ? 360 : g.lon2 - g.lon1;
    const step = global ? span / pl[j] : span / Math.max(1, pl[j] - 1);
    for (let i = 0; i < pl[j]; i++, k++) {
      lat[k] = rows[j];
      lon[k] = g.lon1 + i * step;
    }
  }
  return { lat, lon };
}

/** Forward/inverse map of a projected grid (spherical Earth), metres ↔ degrees. */
interface Projection {
  forward(lat: number, lon: number): [number, number];
  inverse(x: number, y: number): [number, number];
}

/** Lambert conformal conic on a sphere (Snyder 1987, "Map Projections — A Working Manual", eqs. 15-1 to 15-11). */
function lambert(g: GribGrid): Projection {
  const R = g.earthRadius;
  const p1 = g.latin1! * RAD;
  const p2 = g.latin2! * RAD;
  const p0 = g.lad! * RAD;
  const l0 = g.lov! * RAD;
  const n =
    Math.abs(p1 - p2) < 1e-10
      ? Math.sin(p1)
      : Math.log(Math.cos(p1) / Math.cos(p2)) /
        Math.log(Math.tan(Math.PI / 4 + p2 / 2) / Math.tan(Math.PI / 4 + p1 / 2));
  const F = (Math.cos(p1) * Math.pow(Math.tan(Math.PI / 4 + p1 / 2), n)) / n;
  const rho0 = (R * F) / Math.pow(Math.tan(Math.PI / 4 + p0 / 2), n);
  const norm = (d: number) => Math.atan2(Math.sin(d), Math.cos(d));
  return {
    forward(lat, lon) {
      const rho = (R * F) / Math.pow(Math.tan(Math.PI / 4 + (lat * RAD) / 2), n);
      const th = n * norm(lon * RAD - l0);
      return [rho * Math.sin(th), rho0 - rho * Math.cos(th)];
    },
    inverse(x, y) {
      const dy = rho0 - y;
      let rho = Math.sign(n) * Math.sqrt(x * x + dy * dy);
      const th = n < 0 ? Math.atan2(-x, -dy) : Math.atan2(x, dy);
      if (rho === 0) rho = 1e-300;
      const lat = 2 * Math.atan(Math.pow((R * F) / rho, 1 / n)) - Math.PI / 2;
      return [lat / RAD, (th / n + l0) / RAD];
    },
  };
}

/**
 * Polar stereographic on a sphere, true at latitude `lad` (Snyder 1987 eqs. 21-1 to 21-15 with the scale
 * factor chosen so that the scale is true at lad), north or south polar aspect.
 */
function polarStereographic(g: GribGrid): Projection {
  const R = g.earthRadius;
  const s = g.southPole ? -1 : 1;
  const lad = (g.lad ?? 60) * RAD * s;
  const l0 = g.lov! * RAD;
  // ρ = R·(1 + sin φc)·tan(π/4 − φ/2) for the north aspect (true at φc).
  const k = R * (1 + Math.sin(lad));
  return {
    forward(lat, lon) {
      const phi = lat * RAD * s;
      const rho = k * Math.tan(Math.PI / 4 - phi / 2);
      const dl = (lon * RAD - l0) * s;
      return [rho * Math.sin(dl) * s, -rho * Math.cos(dl) * s];
    },
    inverse(x, y) {
      const xs = x * s;
      const ys = y * s;
      const rho = Math.sqrt(xs * xs + ys * ys);
      const phi = Math.PI / 2 - 2 * Math.atan(rho / k);
      const dl = Math.atan2(xs, -ys);
      return [(phi * s) / RAD, (dl * s + l0) / RAD];
    },
  };
}

export function projection(g: GribGrid): Projection | null {
  if (g.type === 'lambert') return lambert(g);
  if (g.type === 'polar_stereographic') return polarStereographic(g);
  return null;
}

/**
 * Projection coordinates (metres, along rows and columns as stored) and the latitude/longitude of each point
 * of a projected grid: the first point is (lat1, lon1), then Dx/Dy steps in the scanning directions.
 */
export function projectedPoints(g: GribGrid): {
  x: Float64Array;
  y: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
} {
  const p = projection(g)!;
  const [x0, y0] = p.forward(g.lat1, g.lon1);
  const x = new Float64Array(g.nx);
  const y = new Float64Array(g.ny);
  for (let i = 0; i < g.nx; i++) x[i] = x0 + (g.iScansNegatively ? -1 : 1) * i * g.di;
  for (let j = 0; j < g.ny; j++) y[j] = y0 + (g.jScansPositively ? 1 : -1) * j * g.dj;
  const lat = new Float64Array(g.nx * g.ny);
  const lon = new Float64Array(g.nx * g.ny);
  for (let j = 0; j < g.ny; j++)
    for (let i = 0; i < g.nx; i++) {
      const [la, lo] = p.inverse(x[i], y[j]);
      lat[j * g.nx + i] = la;
      lon[j * g.nx + i] = ((lo % 360) + 360) % 360;
    }
  return { x, y, lat, lon };
}

/**
 * Reorder values from storage order into [row][column] with rows and columns as `regularAxes` present them:
 * j-consecutive storage is transposed, alternate rows of boustrophedonic scanning are reversed.
 */
export function toRowMajor(g: GribGrid, v: Float32Array): Float32Array {
  if (g.type === 'reduced_gg' || (!g.jPointsAreConsecutive && !g.alternativeRowScanning)) return v;
  const { nx, ny } = g;
  const out = new Float32Array(nx * ny);
  if (g.jPointsAreConsecutive) {
    for (let i = 0; i < nx; i++) {
      const rev = g.alternativeRowScanning && i % 2 === 1;
      for (let j = 0; j < ny; j++) out[j * nx + i] = v[i * ny + (rev ? ny - 1 - j : j)];
    }
    return out;
  }
  for (let j = 0; j < ny; j++) {
    const rev = j % 2 === 1;
    for (let i = 0; i < nx; i++) out[j * nx + i] = v[j * nx + (rev ? nx - 1 - i : i)];
  }
  return out;
}

/**
 * Linear interpolation of a reduced Gaussian field onto the regular Gaussian grid with `nlon` points per row
 * (default the longest row), periodic in longitude for global rows (as used by the ECMWF/ MIR "linear" method
 * along a parallel; no interpolation across rows, which keep their Gaussian latitudes).
 */
export function reducedToRegular(
  g: GribGrid,
  values: Float32Array,
  nlon = Math.max(...(g.pl ?? [0])),
): Float32Array {
  const pl = g.pl ?? [];
  const out = new Float32Array(pl.length * nlon);
  let off = 0;
  for (let j = 0; j < pl.length; j++) {
    const n = pl[j];
    for (let i = 0; i < nlon; i++) {
      const pos = (i * n) / nlon;
      const i0 = Math.floor(pos);
      const w = pos - i0;
      const a = values[off + (i0 % n)];
      const b = values[off + ((i0 + 1) % n)];
      out[j * nlon + i] = w === 0 ? a : a * (1 - w) + b * w;
    }
    off += n;
  }
  return out;
}
