/**
 * Draw grid cells into an RGBA buffer. Each point's cell is the quadrilateral whose corners are the means
 * of the four surrounding projected points (edges extrapolated linearly), so regular lat–lon grids and
 * projected grids (MOGREPS-UK's equal-area grid with latitude/longitude per point) are drawn alike.
 */
import type { Rgb } from './colormaps.js';
import type { PointGrid } from './mapPanel.js';

type Project = (lon: number, lat: number) => [number, number];

/** RGBA bytes (width × height); pixels of missing values and outside the grid stay transparent. */
export function rasterizeCells(
  grid: PointGrid,
  values: ArrayLike<number>,
  width: number,
  height: number,
  project: Project,
  color: (v: number) => Rgb | null,
): Uint8ClampedArray {
  const { ny, nx } = grid;
  const out = new Uint8ClampedArray(width * height * 4);
  // Projected points on an extended (ny+2)×(nx+2) grid: a ring extrapolated from the edge.
  const ey = ny + 2;
  const ex = nx + 2;
  const px = new Float64Array(ey * ex);
  const py = new Float64Array(ey * ex);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const p = project(grid.longitude[j * nx + i], grid.latitude[j * nx + i]);
      px[(j + 1) * ex + i + 1] = p[0];
      py[(j + 1) * ex + i + 1] = p[1];
    }
  const extrapolate = (to: number, from: number, from2: number): void => {
    px[to] = 2 * px[from] - px[from2];
    py[to] = 2 * py[from] - py[from2];
  };
  for (let j = 1; j <= ny; j++) {
    extrapolate(j * ex, j * ex + 1, j * ex + (nx > 1 ? 2 : 1));
    extrapolate(j * ex + ex - 1, j * ex + ex - 2, j * ex + ex - (nx > 1 ? 3 : 2));
  }
  for (let i = 0; i < ex; i++) {
    extrapolate(i, ex + i, (ny > 1 ? 2 : 1) * ex + i);
    extrapolate((ey - 1) * ex + i, (ey - 2) * ex + i, (ey - (ny > 1 ? 3 : 2)) * ex + i);
  }
  // Corner (j, i) of the cell grid, j ∈ [0, ny], i ∈ [0, nx]: mean of extended points j..j+1, i..i+1.
  const cx = new Float64Array((ny + 1) * (nx + 1));
  const cy = new Float64Array((ny + 1) * (nx + 1));
  for (let j = 0; j <= ny; j++)
    for (let i = 0; i <= nx; i++) {
      const a = j * ex + i;
      const b = a + ex;
      cx[j * (nx + 1) + i] = (px[a] + px[a + 1] + px[b] + px[b + 1]) / 4;
      cy[j * (nx + 1) + i] = (py[a] + py[a + 1] + py[b] + py[b + 1]) / 4;
    }
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const v = values[j * nx + i];
      if (!Number.isFinite(v)) continue;
      const c = color(v);
      if (!c) continue;
      const k00 = j * (nx + 1) + i;
      const k10 = k00 + nx + 1;
      const xs = [cx[k00], cx[k00 + 1], cx[k10 + 1], cx[k10]];
      const ys = [cy[k00], cy[k00 + 1], cy[k10 + 1], cy[k10]];
      if (xs.some((q) => !Number.isFinite(q)) || ys.some((q) => !Number.isFinite(q))) continue;
      // A cell wider than half the frame straddles the projection's seam (global grids): skip it.
      if (Math.max(...xs) - Math.min(...xs) > width / 2) continue;
      fillTriangle(out, width, height, xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], c);
      fillTriangle(out, width, height, xs[0], ys[0], xs[2], ys[2], xs[3], ys[3], c);
    }
  return out;
}

/** Fill the pixels whose centres lie inside (or on the edge of) a triangle. */
function fillTriangle(
  out: Uint8ClampedArray,
  width: number,
  height: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  c: Rgb,
): void {
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (area === 0) return;
  const s = area > 0 ? 1 : -1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
  const eps = -1e-9;
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const xc = x + 0.5;
      const w0 = s * ((bx - ax) * (yc - ay) - (by - ay) * (xc - ax));
      const w1 = s * ((cx - bx) * (yc - by) - (cy - by) * (xc - bx));
      const w2 = s * ((ax - cx) * (yc - cy) - (ay - cy) * (xc - cx));
      if (w0 < eps || w1 < eps || w2 < eps) continue;
      const o = (y * width + x) * 4;
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
      out[o + 3] = 255;
    }
  }
}
