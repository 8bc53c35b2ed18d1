/**
 * Finished forecasts for downloads and queries. Point queries are hot, so three things are cached per job
 * id: the confined paths of its result (resolved inside the data root once: lstat, realpath), its decoded
 * products, and the JSON of nearest-grid-point series per grid cell (the number formatting is most of
 * a point query's own work; only the echoed `requested` coordinates differ between queries of one cell).
 * DELETE /v1/jobs/:id forgets the job at once. Otherwise the cache is checked against `result.json` on disk
 * (inode, size, mtime) at most every RECHECK_MS: a result that is gone becomes a 404, one that was replaced
 * (jobs rename a whole new folder into place: a new inode) is resolved and loaded again — so a change made
 * by another process (a Redis worker, another API replica) is seen within RECHECK_MS, and a restarted
 * service starts empty.
 */
import { statSync, type Stats } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { EppConfig } from '../../../libs/contracts/config.js';
import {
  outputDir,
  loadForecastResult,
  pointSeries,
  pointWeights,
  type Interp,
  type LoadedResult,
  type PointSeries,
} from '../../../libs/pipeline/forecast/index.js';
import { resolveInRoot } from '../../../libs/service/data-root.js';
import { NotFoundError } from '../../../libs/service/errors.js';
import { resolveForecastResult } from '../../../libs/service/job-paths.js';
import { CONFIG } from '../tokens.js';

/** Decoded products kept in memory (each is the whole result grid). */
const PRODUCTS = 16;
/** Resolved result paths kept (a few hundred bytes each). */
const PATHS = 4096;
/** Serialised point series kept, over all jobs (about 1.5 KB each for a 4-time raw forecast). */
const SERIES = 8192;
/** How long a checked cache entry is trusted before `result.json` is stat'ed again. */
export const RECHECK_MS = 1000;

interface Entry {
  json: string;
  nc: string;
  /** Identity of `result.json` when the paths were resolved: inode, size, mtime. */
  stamp: string;
  /** When `stamp` was last compared with the file (Date.now()). */
  checkedAt: number;
}

/** A point series' JSON without its `requested` value: `head + {"lat":…,"lon":…} + tail`. */
interface SeriesJson {
  stamp: string;
  head: string;
  tail: string;
}

const REQUESTED = '\u0000requested\u0000';
const REQUESTED_JSON = `"requested":${JSON.stringify(REQUESTED)}`;

/** Split the JSON of `s` around its `requested` value (keys keep their order). */
function splitSeries(s: PointSeries, stamp: string): SeriesJson {
  const text = JSON.stringify({ ...s, requested: REQUESTED });
  const at = text.indexOf(REQUESTED_JSON);
  const cut = at + '"requested":'.length;
  return { stamp, head: text.slice(0, cut), tail: text.slice(at + REQUESTED_JSON.length) };
}

/** `{"lat":…,"lon":…}` as JSON.stringify writes it (finite numbers: String(x) is their JSON). */
const requestedJson = (lat: number, lon: number) => `{"lat":${lat},"lon":${lon}}`;

const stampOf = (st: Stats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;

/** `map.get(key)`, moved to the most recently used end (for the few, costly to reload, products). */
function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const v = map.get(key);
  if (v !== undefined && map.size > 1) {
    map.delete(key);
    map.set(key, v);
  }
  return v;
}

/** Insert as the newest entry, dropping the oldest beyond `max` (paths and series: first in, first out). */
function put<V>(map: Map<string, V>, key: string, v: V, max: number): void {
  map.delete(key);
  map.set(key, v);
  while (map.size > max) map.delete(map.keys().next().value!);
}

@Injectable()
export class ResultsService {
  private readonly paths = new Map<string, Entry>();
  private readonly products = new Map<string, { stamp: string; value: Promise<LoadedResult> }>();
  private readonly series = new Map<string, SeriesJson>();

  constructor(@Inject(CONFIG) private readonly config: EppConfig) {}

  /** The confined paths of a finished job's result, checked against `result.json` on disk (404 when absent). */
  private entry(id: string): Entry {
    const hit = this.paths.get(id);
    if (hit) {
      const now = Date.now();
      if (now - hit.checkedAt < RECHECK_MS) return hit;
      const st = statSync(hit.json, { throwIfNoEntry: false });
      if (st && stampOf(st) === hit.stamp) {
        hit.checkedAt = now;
        return hit;
      }
      this.forget(id);
    }
    // Slow path: confine inside the data root (403 for a link that leaves it), then stat.
    const { json, nc } = resolveForecastResult(this.config.dataDir, id);
    const st = statSync(json, { throwIfNoEntry: false });
    if (!st) throw this.missing(id, 'result.json');
    const e = { json, nc, stamp: stampOf(st), checkedAt: Date.now() };
    put(this.paths, id, e, PATHS);
    return e;
  }

  private missing(id: string, name: string): NotFoundError {
    return new NotFoundError(`forecast ${id} has no ${name} (unknown id, or the job has not completed)`);
  }

  /** Absolute path of `result.nc` or `result.json` of a finished job (404 when absent). */
  file(id: string, name: 'result.nc' | 'result.json'): string {
    let e: Entry;
    try {
      e = this.entry(id);
    } catch (err) {
      if (err instanceof NotFoundError && name === 'result.nc') {
        // A result.nc without its result.json (not a finished job as written by this service): as before.
        const abs = resolveInRoot(this.config.dataDir, `${outputDir(id)}/${name}`);
        if (statSync(abs, { throwIfNoEntry: false })) return abs;
        throw this.missing(id, name);
      }
      throw err;
    }
    if (name === 'result.json') return e.json;
    if (!statSync(e.nc, { throwIfNoEntry: false })) throw this.missing(id, name);
    return e.nc;
  }

  /** The decoded products of a finished job (cached; reloaded when its result was replaced). */
  load(id: string): Promise<LoadedResult> {
    return this.slot(id).value;
  }

  /** The cached products of a job with the stamp of the result they were read from. */
  private slot(id: string): { stamp: string; value: Promise<LoadedResult> } {
    const e = this.entry(id);
    const hit = touch(this.products, id);
    if (hit && hit.stamp === e.stamp) return hit;
    const value = loadForecastResult({ json: e.json, nc: e.nc }, id);
    const slot = { stamp: e.stamp, value };
    put(this.products, id, slot, PRODUCTS);
    value.catch(() => {
      if (this.products.get(id) === slot) this.products.delete(id);
    });
    return slot;
  }

  /**
   * The point series at (lat, lon) as JSON, byte for byte `JSON.stringify(pointSeries(…))`. Nearest-point
   * series are kept per grid cell (checked against the same result stamp as the products).
   */
  async pointJson(id: string, lat: number, lon: number, interp: Interp): Promise<string> {
    const { stamp, value } = this.slot(id);
    const loaded = await value;
    // Out-of-range coordinates and bilinear go the plain way (pointSeries has the checks and messages).
    if (interp !== 'nearest' || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 360))
      return JSON.stringify(pointSeries(loaded, lat, lon, interp));
    const key = `${id}:${pointWeights(loaded.grid, lat, lon, 'nearest').points[0]}`;
    let hit = this.series.get(key);
    if (!hit || hit.stamp !== stamp) {
      hit = splitSeries(pointSeries(loaded, lat, lon, 'nearest'), stamp);
      put(this.series, key, hit, SERIES);
    }
    return hit.head + requestedJson(lat, lon) + hit.tail;
  }

  /** Drop what is cached for a job (its record or outputs were cancelled or deleted). */
  forget(id: string): void {
    this.paths.delete(id);
    this.products.delete(id);
    const prefix = `${id}:`;
    for (const k of this.series.keys()) if (k.startsWith(prefix)) this.series.delete(k);
  }
}
