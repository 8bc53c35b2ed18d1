/**
 * Idealised orography as lower-layer PV (f₀h/H, s⁻¹): Gaussian mountains where Earth's main ranges are, so
 * the climate has stationary waves and the forecast errors vary with geography (which per-point post-
 * processing can learn). Returned in spectral form, state-block layout [re | im].
 */
import type { SpectralGrid } from './spectralGrid.js';

/** lon °E, lat °N, e-folding radius °, relative height. */
const MOUNTAINS: [number, number, number, number][] = [
  [250, 45, 11, 1.0], // Rockies
  [88, 34, 13, 1.3], // Tibet
  [291, -25, 9, 0.8], // Andes
  [318, 72, 8, 0.7], // Greenland
  [30, -5, 12, 0.4], // East African plateau
  [135, -25, 14, 0.25], // Australia
  [0, -80, 20, 0.8], // Antarctica
];

/** Great-circle distance in degrees. */
function distDeg(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180;
  const c =
    Math.sin(lat1 * r) * Math.sin(lat2 * r) +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lon1 - lon2) * r);
  return Math.acos(Math.max(-1, Math.min(1, c))) / r;
}

export function buildTopography(grid: SpectralGrid, amplitude: number): Float64Array {
  const out = new Float64Array(2 * grid.size);
  const row = new Float64Array(grid.nx);
  for (let j = 0; j < grid.nLat; j++) {
    const lat = grid.latDeg(j);
    for (let i = 0; i < grid.nx; i++) {
      const lon = (360 * i) / grid.nx;
      let h = 0;
      for (const [mlon, mlat, rad, rel] of MOUNTAINS)
        h += rel * Math.exp(-((distDeg(lon, lat, mlon, mlat) / rad) ** 2));
      row[i] = amplitude * h;
    }
    grid.forwardRow(row, 0, j, out.subarray(0, grid.size), out.subarray(grid.size));
  }
  return out;
}
