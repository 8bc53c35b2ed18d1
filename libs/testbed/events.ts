/**
 * Labelled extreme events of the test period (docs/testbed.md §6). Each is a transient, localised PV source
 * in the TRUE model (the truth and the perfect ensemble feel it; the imperfect members do not — like missing
 * latent-heat release or a missing blocking mechanism): a Gaussian in space (radius R), a sin² envelope in
 * time, moving eastward at `speedDegPerDay`. Cyclone: cyclonic PV in both layers (deep low). Heat wave:
 * anticyclonic PV in the upper layer only (warm ridge: Z500 up, thickness and T850 up).
 */
import type { ExtraForcing } from './integrator.js';
import type { SpectralGrid } from './spectralGrid.js';

const DAY = 86400;

export interface EventSpec {
  name: string;
  kind: 'cyclone' | 'heatwave';
  /** ISO date (UTC) the forcing starts. */
  start: string;
  /** Duration of the forcing, days. */
  days: number;
  /** Centre at the start (°E, °N). */
  lon: number;
  lat: number;
  radiusDeg: number;
  /** Peak PV source, s⁻¹ per day. */
  amplitude: number;
  speedDegPerDay: number;
  description: string;
}

/** What the manifest records about an event: name, dates and bounding box of its impact. */
export interface LabelledEvent {
  name: string;
  kind: EventSpec['kind'];
  description: string;
  start: string;
  end: string;
  /** [west °E, south °N, east °E, north °N]; west > east when the box crosses the 0° meridian. */
  bbox: [number, number, number, number];
  /** Centre track at 00 UTC each day: [ISO date, lon, lat]. */
  track: [string, number, number][];
}

function isoDay(tSec: number): string {
  return new Date(tSec * 1000).toISOString().slice(0, 10);
}

function wrapLon(x: number): number {
  return ((x % 360) + 360) % 360;
}

/** The label of an event: forcing period plus two days of impact; box = track ± 2R. */
export function labelEvent(e: EventSpec): LabelledEvent {
  const t0 = Date.parse(`${e.start}T00:00:00Z`) / 1000;
  const track: [string, number, number][] = [];
  for (let d = 0; d <= e.days + 2; d++) {
    const lon = wrapLon(e.lon + e.speedDegPerDay * Math.min(d, e.days));
    track.push([isoDay(t0 + d * DAY), lon, e.lat]);
  }
  const r = 2 * e.radiusDeg;
  const west = wrapLon(e.lon - r / Math.cos((e.lat * Math.PI) / 180));
  const east = wrapLon(e.lon + e.speedDegPerDay * e.days + r / Math.cos((e.lat * Math.PI) / 180));
  return {
    name: e.name,
    kind: e.kind,
    description: e.description,
    start: isoDay(t0),
    end: isoDay(t0 + (e.days + 2) * DAY),
    bbox: [Math.round(west), Math.max(-90, e.lat - r), Math.round(east), Math.min(90, e.lat + r)],
    track,
  };
}

/** The PV forcing of all events, as an ExtraForcing for the true model's integrators. */
export function eventForcing(grid: SpectralGrid, events: EventSpec[]): ExtraForcing | null {
  if (events.length === 0) return null;
  const windows = events.map((e) => {
    const t0 = Date.parse(`${e.start}T00:00:00Z`) / 1000;
    return { e, t0, t1: t0 + e.days * DAY };
  });
  const row = new Float64Array(grid.nx);
  const re = new Float64Array(grid.size);
  const im = new Float64Array(grid.size);
  const rad = Math.PI / 180;
  return (tSec, out) => {
    for (const { e, t0, t1 } of windows) {
      if (tSec < t0 || tSec >= t1) continue;
      const frac = (tSec - t0) / (t1 - t0);
      const env = Math.sin(Math.PI * frac) ** 2;
      const clon = e.lon + e.speedDegPerDay * ((tSec - t0) / DAY);
      const hemi = e.lat >= 0 ? 1 : -1;
      const amp = ((e.kind === 'cyclone' ? 1 : -1) * hemi * e.amplitude * env) / DAY;
      for (let j = 0; j < grid.nLat; j++) {
        const lat = grid.latDeg(j);
        for (let i = 0; i < grid.nx; i++) {
          const lon = (360 * i) / grid.nx;
          const c =
            Math.sin(lat * rad) * Math.sin(e.lat * rad) +
            Math.cos(lat * rad) * Math.cos(e.lat * rad) * Math.cos((lon - clon) * rad);
          const d = Math.acos(Math.max(-1, Math.min(1, c))) / rad;
          row[i] = amp * Math.exp(-((d / e.radiusDeg) ** 2));
        }
        grid.forwardRow(row, 0, j, re, im);
      }
      const n = grid.size;
      const lowerShare = e.kind === 'cyclone' ? 1 : 0;
      for (let k = 0; k < n; k++) {
        out[k] += re[k];
        out[n + k] += im[k];
        out[2 * n + k] += lowerShare * re[k];
        out[3 * n + k] += lowerShare * im[k];
      }
    }
  };
}
