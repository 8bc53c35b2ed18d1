/**
 * Map geometry: the bounding box of a case study, the projection used to draw it, and Natural Earth
 * land outlines from the `world-atlas` package (TopoJSON, public domain) at a resolution fitting the box.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoProjection, type GeoProjection } from 'd3-geo';
import { mesh } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { MultiLineString } from 'geojson';
import { InvalidArgumentError } from '../contracts/errors.js';

/** West, south, east, north in degrees (east may exceed 180 or be < west + 360 for boxes over the antimeridian). */
export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Parse `W,S,E,N` (degrees) into a validated box; a typed error names what is wrong. */
export function parseBBox(text: string): BBox {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v)))
    throw new InvalidArgumentError(`bbox "${text}" must be four numbers W,S,E,N in degrees`);
  const [west, south, east, north] = parts;
  return validateBBox({ west, south, east: east < west ? east + 360 : east, north });
}

export function validateBBox(b: BBox): BBox {
  if (!(b.south < b.north) || b.south < -90 || b.north > 90)
    throw new InvalidArgumentError(
      `bbox south ${b.south} / north ${b.north} must satisfy -90 <= S < N <= 90`,
    );
  if (!(b.west < b.east) || b.east - b.west > 360)
    throw new InvalidArgumentError(`bbox west ${b.west} / east ${b.east} must span (0, 360] degrees`);
  return b;
}

/** Smallest box holding every finite latitude/longitude (longitudes unwrapped around their first value). */
export function bboxOfPoints(latitude: ArrayLike<number>, longitude: ArrayLike<number>): BBox {
  let south = Infinity;
  let north = -Infinity;
  let west = Infinity;
  let east = -Infinity;
  const ref = longitude[0];
  for (let i = 0; i < latitude.length; i++) {
    const la = latitude[i];
    const lo = unwrap(longitude[i], ref);
    if (!Number.isFinite(la) || !Number.isFinite(lo)) continue;
    south = Math.min(south, la);
    north = Math.max(north, la);
    west = Math.min(west, lo);
    east = Math.max(east, lo);
  }
  return { west, south, east, north };
}

/** lon shifted by a multiple of 360 into [ref − 180, ref + 180). */
export function unwrap(lon: number, ref: number): number {
  return lon - 360 * Math.floor((lon - ref + 180) / 360);
}

/**
 * Equidistant cylindrical projection with standard parallel φ0 at the box centre (Snyder 1987, eq. 12-1:
 * x = R(λ − λ0)cos φ0, y = Rφ): north up, meridians vertical, parallels horizontal, true scale at φ0.
 * Scaled and translated so the box fills `[x0, y0, width, height]` (pixels).
 */
export function boxProjection(
  box: BBox,
  x0: number,
  y0: number,
  width: number,
  height: number,
): GeoProjection {
  const lon0 = (box.west + box.east) / 2;
  const phi0 = ((box.south + box.north) / 2) * (Math.PI / 180);
  const k = Math.cos(phi0);
  const rad = Math.PI / 180;
  const scale = width / ((box.east - box.west) * rad * k);
  const yTop = box.north * rad;
  return geoProjection((lambda: number, phi: number) => [lambda * k, phi])
    .rotate([-lon0, 0])
    .scale(scale)
    .translate([x0 + width / 2, y0 + yTop * scale])
    .clipExtent([
      [x0, y0],
      [x0 + width, y0 + height],
    ]);
}

/** Height in pixels that keeps the projected box's true aspect ratio at the given width. */
export function boxHeightForWidth(box: BBox, width: number): number {
  const k = Math.cos(((box.south + box.north) / 2) * (Math.PI / 180));
  return (width * (box.north - box.south)) / ((box.east - box.west) * k);
}

export type Resolution = '10m' | '50m' | '110m';

/** Finer coastlines for smaller boxes: 10m below 15° of extent, 50m below 60°, else 110m. */
export function resolutionForBox(box: BBox): Resolution {
  const span = Math.max(box.east - box.west, box.north - box.south);
  if (span < 15) return '10m';
  if (span < 60) return '50m';
  return '110m';
}

const require = createRequire(import.meta.url);
const cache = new Map<string, unknown>();

function loadTopology(name: string): Topology {
  const hit = cache.get(name);
  if (hit) return hit as Topology;
  let path: string;
  try {
    path = require.resolve(`world-atlas/${name}`);
  } catch (err) {
    throw new InvalidArgumentError(`Natural Earth data world-atlas/${name} is not installed`, { cause: err });
  }
  const topo = JSON.parse(readFileSync(path, 'utf8')) as Topology;
  cache.set(name, topo);
  return topo;
}

const meshes = new Map<string, MultiLineString>();

function cachedMesh(key: string, make: () => MultiLineString): MultiLineString {
  let m = meshes.get(key);
  if (!m) {
    m = make();
    meshes.set(key, m);
  }
  return m;
}

/** Coastlines: the arcs of the land polygons (each arc once). */
export function coastlines(res: Resolution): MultiLineString {
  return cachedMesh(`coast-${res}`, () => {
    const topo = loadTopology(`land-${res}.json`);
    return mesh(topo, topo.objects.land as GeometryCollection);
  });
}

/** Borders between countries (shared arcs only, so coastlines are not drawn twice). */
export function countryBorders(res: Resolution): MultiLineString {
  return cachedMesh(`borders-${res}`, () => {
    const topo = loadTopology(`countries-${res}.json`);
    return mesh(topo, topo.objects.countries as GeometryCollection, (a, b) => a !== b);
  });
}

/**
 * The parts of some lines inside a box widened by `margin` degrees (one point beyond each end kept so the
 * lines leave the frame cleanly): drawing a region then projects thousands of points, not the whole world.
 */
export function linesInBox(lines: MultiLineString, box: BBox, margin = 1): MultiLineString {
  const ref = (box.west + box.east) / 2;
  const inside = (p: number[]): boolean => {
    const lon = unwrap(p[0], ref);
    return (
      lon >= box.west - margin &&
      lon <= box.east + margin &&
      p[1] >= box.south - margin &&
      p[1] <= box.north + margin
    );
  };
  const out: number[][][] = [];
  for (const line of lines.coordinates) {
    let run: number[][] = [];
    for (let i = 0; i < line.length; i++) {
      if (inside(line[i])) {
        if (run.length === 0 && i > 0) run.push(line[i - 1]);
        run.push(line[i]);
      } else if (run.length > 0) {
        run.push(line[i]);
        out.push(run);
        run = [];
      }
    }
    if (run.length > 1) out.push(run);
  }
  return { type: 'MultiLineString', coordinates: out };
}
