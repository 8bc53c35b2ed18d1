/** Crop fields to the rows and columns of the grid that hold points inside a lat–lon box. */
import { DataError } from '../contracts/errors.js';
import type { EnsembleField, Field2D, Grid } from '../ensemble/types.js';
import { unwrap, type BBox } from '../report/geo.js';

export interface IndexWindow {
  j0: number;
  j1: number;
  i0: number;
  i1: number;
}

/** The smallest index rectangle covering every grid point inside the box (inclusive bounds). */
export function boxWindow(grid: Grid, box: BBox, source: string): IndexWindow {
  const ny = grid.y.length;
  const nx = grid.x.length;
  const ref = (box.west + box.east) / 2;
  const w: IndexWindow = { j0: ny, j1: -1, i0: nx, i1: -1 };
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const lat = grid.latitude[j * nx + i];
      const lon = unwrap(grid.longitude[j * nx + i], ref);
      if (lat < box.south || lat > box.north || lon < box.west || lon > box.east) continue;
      w.j0 = Math.min(w.j0, j);
      w.j1 = Math.max(w.j1, j);
      w.i0 = Math.min(w.i0, i);
      w.i1 = Math.max(w.i1, i);
    }
  if (w.j1 < 0)
    throw new DataError(
      `${source}: no grid point lies inside the box W${box.west} S${box.south} E${box.east} N${box.north}`,
    );
  return w;
}

function cropArray(
  data: Float32Array | Float64Array,
  layers: number,
  ny: number,
  nx: number,
  w: IndexWindow,
): Float64Array | Float32Array {
  const cy = w.j1 - w.j0 + 1;
  const cx = w.i1 - w.i0 + 1;
  const out =
    data instanceof Float32Array ? new Float32Array(layers * cy * cx) : new Float64Array(layers * cy * cx);
  for (let k = 0; k < layers; k++)
    for (let j = 0; j < cy; j++) {
      const src = k * ny * nx + (w.j0 + j) * nx + w.i0;
      out.set(data.subarray(src, src + cx), k * cy * cx + j * cx);
    }
  return out;
}

export function cropGrid(grid: Grid, w: IndexWindow): Grid {
  const ny = grid.y.length;
  const nx = grid.x.length;
  return {
    ...grid,
    y: grid.y.slice(w.j0, w.j1 + 1),
    x: grid.x.slice(w.i0, w.i1 + 1),
    latitude: cropArray(grid.latitude, 1, ny, nx, w) as Float64Array,
    longitude: cropArray(grid.longitude, 1, ny, nx, w) as Float64Array,
  };
}

export function cropEnsemble(f: EnsembleField, w: IndexWindow, grid: Grid): EnsembleField {
  const data = cropArray(f.data, f.members.length, f.ny, f.nx, w) as Float32Array;
  return { ...f, data, ny: grid.y.length, nx: grid.x.length, grid };
}

export function cropField(f: Field2D, w: IndexWindow, grid: Grid): Field2D {
  const data = cropArray(f.data, 1, f.ny, f.nx, w) as Float32Array;
  return { ...f, data, ny: grid.y.length, nx: grid.x.length, grid };
}
