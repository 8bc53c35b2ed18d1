/**
 * Crop fields to the grid rows and columns holding points inside a lat–lon box. Columns are gathered in
 * order of longitude from the box's west edge, so a box across the data's longitude seam (e.g. 298°E to
 * 12°E on a 0…357° grid) keeps just its columns, contiguous on the map.
 */
import { DataError } from '../../contracts/errors.js';
import type { EnsembleField, Field2D, Grid } from '../../ensemble/types.js';
import { unwrap, type BBox } from '../../report/geo.js';
import type { GaussianForecast } from '../../scoring/types.js';

/** Rows and columns kept, in output order. */
export interface IndexWindow {
  rows: number[];
  cols: number[];
}

export function fullWindow(ny: number, nx: number): IndexWindow {
  return { rows: [...Array(ny).keys()], cols: [...Array(nx).keys()] };
}

/**
 * Regular lat–lon grids: the rows and the columns inside the box (columns sorted from the west edge).
 * Projected grids: the smallest index rectangle covering every point inside the box.
 */
export function boxWindow(grid: Grid, box: BBox, source: string): IndexWindow {
  const ny = grid.y.length;
  const nx = grid.x.length;
  const ref = (box.west + box.east) / 2;
  const east = (lon: number): number => unwrap(lon, ref);
  const inside = (lat: number, lon: number): boolean =>
    lat >= box.south && lat <= box.north && east(lon) >= box.west && east(lon) <= box.east;
  let win: IndexWindow;
  if (grid.kind === 'latlon') {
    const rows = [...Array(ny).keys()].filter((j) => grid.y[j] >= box.south && grid.y[j] <= box.north);
    const cols = [...Array(nx).keys()]
      .filter((i) => east(grid.x[i]) >= box.west && east(grid.x[i]) <= box.east)
      .sort((a, b) => east(grid.x[a]) - east(grid.x[b]));
    win = { rows, cols };
  } else {
    let [j0, j1, i0, i1] = [ny, -1, nx, -1];
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        if (inside(grid.latitude[j * nx + i], grid.longitude[j * nx + i])) {
          [j0, j1, i0, i1] = [Math.min(j0, j), Math.max(j1, j), Math.min(i0, i), Math.max(i1, i)];
        }
    win = {
      rows: j1 < 0 ? [] : Array.from({ length: j1 - j0 + 1 }, (_, k) => j0 + k),
      cols: i1 < 0 ? [] : Array.from({ length: i1 - i0 + 1 }, (_, k) => i0 + k),
    };
  }
  if (win.rows.length === 0 || win.cols.length === 0)
    throw new DataError(
      `${source}: no grid point lies inside the box W${box.west} S${box.south} E${box.east} N${box.north}`,
    );
  return win;
}

function gather<T extends Float32Array | Float64Array>(
  data: T,
  layers: number,
  ny: number,
  nx: number,
  w: IndexWindow,
  make: (n: number) => T,
): T {
  const cy = w.rows.length;
  const cx = w.cols.length;
  const out = make(layers * cy * cx);
  for (let k = 0; k < layers; k++)
    for (let j = 0; j < cy; j++) {
      const src = k * ny * nx + w.rows[j] * nx;
      const dst = k * cy * cx + j * cx;
      for (let i = 0; i < cx; i++) out[dst + i] = data[src + w.cols[i]];
    }
  return out;
}

const f32 = (n: number): Float32Array => new Float32Array(n);
const f64 = (n: number): Float64Array => new Float64Array(n);

export function cropGrid(grid: Grid, w: IndexWindow): Grid {
  const ny = grid.y.length;
  const nx = grid.x.length;
  return {
    ...grid,
    y: Float64Array.from(w.rows, (j) => grid.y[j]),
    x: Float64Array.from(w.cols, (i) => grid.x[i]),
    latitude: gather(grid.latitude, 1, ny, nx, w, f64),
    longitude: gather(grid.longitude, 1, ny, nx, w, f64),
  };
}

export function cropEnsemble(f: EnsembleField, w: IndexWindow, grid: Grid): EnsembleField {
  const data = gather(f.data, f.members.length, f.ny, f.nx, w, f32);
  return { ...f, data, ny: grid.y.length, nx: grid.x.length, grid };
}

export function cropField(f: Field2D, w: IndexWindow, grid: Grid): Field2D {
  return { ...f, data: gather(f.data, 1, f.ny, f.nx, w, f32), ny: grid.y.length, nx: grid.x.length, grid };
}

export function cropGaussian(g: GaussianForecast, w: IndexWindow, grid: Grid): GaussianForecast {
  const mean = gather(g.mean, 1, g.ny, g.nx, w, f32);
  const std = gather(g.std, 1, g.ny, g.nx, w, f32);
  return { ...g, mean, std, ny: grid.y.length, nx: grid.x.length, grid };
}
