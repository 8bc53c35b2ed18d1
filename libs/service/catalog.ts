/**
 * What the data root holds, for the API: forecast files (with their inspect metadata, read through a
 * guard and cached) and models (mixed-model manifests and EMOS coefficient files).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, EppError } from '../contracts/errors.js';
import { isModelId } from '../contracts/jobs.js';
import { SITE_METHODS, SITE_MODEL_SUBDIR } from '../contracts/sites.js';
import { openDataset } from '../netcdf/index.js';
import { relativeToRoot, resolveInRoot } from './data-root.js';
import { listModelIds, modelVersions, type ModelVersion } from '../pipeline/train/store.js';
import { ModelNotFoundError } from './errors.js';

const SKIP = new Set(['outputs', 'keys', 'models', 'tmp', 'node_modules']);
/** Dataset files by extension: NetCDF, HDF5 and GRIB (edition 1 and 2). */
const NC = /\.(nc|nc3|nc4|netcdf|cdf|h5|grib|grib1|grib2|grb|grb2)$/i;

/** NetCDF files under the data root (not outputs/keys/models), relative paths, at most `limit`. */
export function listForecastFiles(dataDir: string, limit = 200): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 6 || out.length >= limit) return;
    let entries;
    try {
      entries = readdirSync(path.join(dataDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !(depth === 0 && SKIP.has(e.name))) walk(r, depth + 1);
      else if (e.isFile() && NC.test(e.name) && out.length < limit) out.push(r);
    }
  };
  walk('', 0);
  return out;
}

/** Inspect metadata of one file: format, dimensions, gridded variables, member axis. */
export async function describeDataset(dataDir: string, rel: string): Promise<Record<string, unknown>> {
  const abs = resolveInRoot(dataDir, rel, { mustExist: true });
  const size = statSync(abs).size;
  try {
    const ds = await openDataset(abs);
    try {
      return {
        path: rel,
        size,
        format: ds.format,
        dimensions: ds.dimensions.map((d) => ({ name: d.name, size: d.size })),
        variables: ds.variables
          .filter((v) => v.dims.length >= 2)
          .map((v) => ({ name: v.name, dims: v.dims, shape: v.shape, units: v.attrs.units ?? null })),
        memberAxis: ds.memberAxis(),
      };
    } finally {
      ds.close();
    }
  } catch (err) {
    return { path: rel, size, error: errorOf(err) };
  }
}

/** Reads one file's metadata somewhere safe (FileGuard.describe: in a child process with limits). */
export type DescribeFn = (dataDir: string, rel: string) => Promise<Record<string, unknown>>;

const CACHE_LIMIT = 2000;

/**
 * `/v1/datasets`: every forecast file with its metadata, read through `describe` (a child process) and
 * cached by (path, size, mtime), so a file is opened once per version; a file that fails (corrupt, too slow,
 * too big) is listed as `valid: false` with its error and is not opened again until it changes.
 */
export class DatasetCatalog {
  private readonly cache = new Map<string, { key: string; entry: Record<string, unknown> }>();

  constructor(
    private readonly dataDir: string,
    private readonly describe: DescribeFn,
  ) {}

  async list(): Promise<Record<string, unknown>[]> {
    const files = listForecastFiles(this.dataDir);
    const out: Record<string, unknown>[] = [];
    for (const rel of files) {
      let st;
      try {
        st = statSync(resolveInRoot(this.dataDir, rel, { mustExist: true }));
      } catch {
        continue; // removed (or a link out of the root) since the listing
      }
      const key = `${st.size}:${st.mtimeMs}`;
      const hit = this.cache.get(rel);
      if (hit?.key === key) {
        out.push(hit.entry);
        continue;
      }
      let entry: Record<string, unknown>;
      try {
        entry = await this.describe(this.dataDir, rel);
      } catch (err) {
        entry = { path: rel, size: st.size, error: errorOf(err) };
      }
      entry = { ...entry, valid: !entry.error };
      const e = entry.error as { message?: string } | undefined;
      if (e?.message) entry.error = { ...e, message: relativeToRoot(e.message, this.dataDir) };
      this.cache.set(rel, { key, entry });
      out.push(entry);
    }
    // Forget files that are gone; keep the cache bounded.
    const seen = new Set(files);
    for (const k of this.cache.keys())
      if (!seen.has(k) || this.cache.size > CACHE_LIMIT) this.cache.delete(k);
    return out;
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  return {
    code: err instanceof EppError ? err.code : 'INTERNAL',
    message: err instanceof EppError ? err.message : describeError(err),
  };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** What a site model version (`<version>/sites/model.json`, libs/sites) was fitted on and how. */
export interface SiteModelSummary {
  method: string;
  family: string | null;
  variable: string;
  units: string | null;
  /** Realizations used, and how many the training forecast had. */
  members: number[];
  membersInFile: number | null;
  trainFrom: string | null;
  trainTo: string | null;
  stations: number;
  pairs: number | null;
}

export type ModelKind = 'mixed' | 'emos' | 'site';

export interface ModelVersionEntry {
  version: string;
  latest: boolean;
  source: 'data' | 'bundled';
  kinds: ModelKind[];
  emos: string[];
  /** The site model of this version (kind `site`), or null. */
  site: SiteModelSummary | null;
  createdAt: string | null;
  trainingData: Record<string, unknown> | null;
  scores: Record<string, unknown> | null;
}

export interface ModelEntry {
  id: string;
  /** The latest version's kinds, EMOS sets, site model, source and manifest. */
  kinds: ModelKind[];
  emos: string[];
  site: SiteModelSummary | null;
  source: 'data' | 'bundled';
  version: string;
  versions: ModelVersionEntry[];
  manifest: Record<string, unknown> | null;
}

const asObject = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The summary of a site model.json, or null when the file is not one (read as data, never trusted). */
function siteSummary(file: string): SiteModelSummary | null {
  const m = existsSync(file) ? asObject(readJson(file)) : null;
  const method = SITE_METHODS.find((x) => x === m?.method);
  if (!m || m.format !== 'epp-sites-model' || !method || typeof m.variable !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    method,
    family: str(m.family),
    variable: m.variable,
    units: str(m.units),
    members: Array.isArray(m.members) ? m.members.filter((x): x is number => typeof x === 'number') : [],
    membersInFile: num(m.membersInFile),
    trainFrom: str(m.trainFrom),
    trainTo: str(m.trainTo),
    stations: Array.isArray(m.stations) ? m.stations.length : 0,
    pairs: num(asObject(m.training)?.pairs),
  };
}

function versionEntry(v: ModelVersion): {
  entry: ModelVersionEntry;
  manifest: Record<string, unknown> | null;
} {
  const emosDir = path.join(v.dir, 'emos');
  const emos = existsSync(emosDir)
    ? readdirSync(emosDir)
        .filter((f) => f.endsWith('.nc'))
        .sort()
        .map((f) => f.replace(/\.nc$/, ''))
    : [];
  const manifestFile = path.join(v.dir, 'manifest.json');
  const manifest = existsSync(manifestFile) ? asObject(readJson(manifestFile)) : null;
  const site = siteSummary(path.join(v.dir, SITE_MODEL_SUBDIR, 'model.json'));
  const kinds: ModelEntry['kinds'] = [];
  if (manifest) kinds.push('mixed');
  if (emos.length) kinds.push('emos');
  if (site) kinds.push('site');
  let createdAt = typeof manifest?.createdAt === 'string' ? manifest.createdAt : null;
  if (!createdAt)
    try {
      createdAt = statSync(v.dir).mtime.toISOString();
    } catch {
      createdAt = null;
    }
  return {
    entry: {
      version: v.version,
      latest: v.latest,
      source: v.source,
      kinds,
      emos,
      site,
      createdAt,
      trainingData: asObject(manifest?.trainingData),
      scores: asObject(manifest?.scores),
    },
    manifest,
  };
}

function modelEntry(dataDir: string, id: string): ModelEntry | null {
  const versions = modelVersions(dataDir, id).map(versionEntry);
  const latest = versions.find((v) => v.entry.latest);
  if (!latest) return null;
  return {
    id,
    kinds: latest.entry.kinds,
    emos: latest.entry.emos,
    site: latest.entry.site,
    source: latest.entry.source,
    version: latest.entry.version,
    versions: versions.map((v) => v.entry),
    manifest: latest.manifest,
  };
}

/** Every model of the data root and the install's bundled models, each with its versions (latest marked). */
export function listModels(dataDir: string): ModelEntry[] {
  return listModelIds(dataDir)
    .map((id) => modelEntry(dataDir, id))
    .filter((m): m is ModelEntry => m !== null);
}

export function getModel(dataDir: string, id: string): ModelEntry {
  const m = isModelId(id) ? modelEntry(dataDir, id) : null;
  if (!m) throw new ModelNotFoundError(`model '${id}' does not exist`);
  return m;
}
