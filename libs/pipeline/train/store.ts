/**
 * The model store: `<dataDir>/models/<id>/v<N>/` holds one published version (mixed-model folder and/or
 * `emos/` coefficients), `<dataDir>/models/<id>/LATEST` names the version in use, and nothing is ever
 * overwritten: a training run writes into `models/<id>/.tmp-<tag>` and is published by renaming that folder
 * to the next free `v<N>` (rename(2) of a folder is atomic and fails if the target exists), then the
 * pointer is replaced by renaming a temporary file over it. A model folder of the older flat layout
 * (`models/<id>/manifest.json` or `models/<id>/emos/`) is version `v0`.
 *
 * The models shipped with the install (`<package>/data/models/<id>`, read-only) are searched after the data
 * root's: they are version `bundled` of their id, found whatever EPP_DATA_DIR is. A reference names a model
 * as `<id>` (its latest version) or `<id>@<version>` (`default@v2`, `default@bundled`).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, ModelNotFoundError } from '../../contracts/errors.js';
import { isModelId } from '../../contracts/jobs.js';

export const BUNDLED_VERSION = 'bundled';
export const LATEST_FILE = 'LATEST';
const VERSION = /^v(\d{1,9})$/;

export interface ModelVersion {
  id: string;
  /** `v<N>` (data root) or `bundled` (shipped with the install). */
  version: string;
  /** Absolute folder of this version. */
  dir: string;
  source: 'data' | 'bundled';
  /** The version a bare `<id>` resolves to. */
  latest: boolean;
}

/** The install's shipped models folder (`<package root>/data/models`), or null when there is none. */
export function bundledModelsDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'epp') {
          const models = path.join(dir, 'data', 'models');
          return existsSync(models) ? models : null;
        }
      } catch {
        /* not our package.json: keep walking up */
      }
    }
    dir = path.dirname(dir);
  }
  return null;
}

/** `<id>` or `<id>@<version>` with the version `v<N>` or `bundled`. */
export function parseModelRef(ref: string): { id: string; version?: string } {
  const at = ref.indexOf('@');
  const id = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  if (!isModelId(id))
    throw new InvalidArgumentError(`model ${JSON.stringify(ref)} must be a model id like "default"`);
  if (version !== undefined && !(VERSION.test(version) || version === BUNDLED_VERSION))
    throw new InvalidArgumentError(
      `model ${JSON.stringify(ref)}: the version after '@' must be v<N> or ${BUNDLED_VERSION}`,
    );
  return version === undefined ? { id } : { id, version };
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
/** A folder that holds a model: a mixed-model manifest, EMOS coefficients or a site model (`sites/model.json`). */
const holdsModel = (dir: string) =>
  existsSync(path.join(dir, 'manifest.json')) ||
  isDir(path.join(dir, 'emos')) ||
  existsSync(path.join(dir, 'sites', 'model.json'));
const versionNumber = (v: string) => Number(VERSION.exec(v)?.[1] ?? -1);

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Published versions under one data-root model folder, oldest first (`v0` = the flat layout). */
function dataVersions(modelDir: string): string[] {
  if (!isDir(modelDir)) return [];
  const out = readdirSync(modelDir)
    .filter((n) => VERSION.test(n) && holdsModel(path.join(modelDir, n)))
    .sort((a, b) => versionNumber(a) - versionNumber(b));
  if (holdsModel(modelDir) && !out.includes('v0')) out.unshift('v0');
  return out;
}

function readLatest(modelDir: string, versions: string[]): string | undefined {
  try {
    const v = readFileSync(path.join(modelDir, LATEST_FILE), 'utf8').trim();
    if (versions.includes(v)) return v;
  } catch {
    /* no pointer: the newest version */
  }
  return versions[versions.length - 1];
}

const dirOf = (modelDir: string, v: string) => (v === 'v0' ? modelDir : path.join(modelDir, v));

/** Every version of model `id`: the data root's (oldest first), then the bundled one; `latest` marked. */
export function modelVersions(
  dataDir: string,
  id: string,
  bundledDir: string | null = bundledModelsDir(),
): ModelVersion[] {
  if (!isModelId(id)) return [];
  const modelsRoot = path.join(dataDir, 'models');
  const modelDir = path.join(modelsRoot, id);
  const versions = dataVersions(modelDir);
  const latest = readLatest(modelDir, versions);
  const out: ModelVersion[] = versions.map((v) => ({
    id,
    version: v,
    dir: dirOf(modelDir, v),
    source: 'data',
    latest: v === latest,
  }));
  if (bundledDir && !sameDir(bundledDir, modelsRoot)) {
    const b = path.join(bundledDir, id);
    if (holdsModel(b))
      out.push({ id, version: BUNDLED_VERSION, dir: b, source: 'bundled', latest: out.length === 0 });
  }
  return out;
}

/** Ids of every model in the data root or shipped with the install, sorted. */
export function listModelIds(dataDir: string, bundledDir: string | null = bundledModelsDir()): string[] {
  const ids = new Set<string>();
  for (const root of [path.join(dataDir, 'models'), bundledDir])
    if (root && isDir(root))
      for (const n of readdirSync(root)) if (isModelId(n) && isDir(path.join(root, n))) ids.add(n);
  return [...ids].filter((id) => modelVersions(dataDir, id, bundledDir).length > 0).sort();
}

/** The version a reference names (`<id>`: its latest); ModelNotFoundError (404) naming what exists. */
export function resolveModel(
  dataDir: string,
  ref: string,
  bundledDir: string | null = bundledModelsDir(),
): ModelVersion {
  const { id, version } = parseModelRef(ref);
  const all = modelVersions(dataDir, id, bundledDir);
  if (!all.length) throw new ModelNotFoundError(`model '${id}' does not exist`);
  const hit = version === undefined ? all.find((v) => v.latest) : all.find((v) => v.version === version);
  if (!hit)
    throw new ModelNotFoundError(
      `model '${id}' has no version ${version}; it has ${all.map((v) => v.version).join(', ')}`,
    );
  return hit;
}

/** The reference with its version made explicit (`default` → `default@v3`): a job keeps the version it was given. */
export function pinModelRef(dataDir: string, ref: string, bundledDir?: string | null): string {
  const v = resolveModel(dataDir, ref, bundledDir);
  return `${v.id}@${v.version}`;
}

/** The temporary folder a training run of model folder `modelDir` writes into before it is published. */
export function stagingDir(modelDir: string, tag: string): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(tag))
    throw new InvalidArgumentError(`bad staging tag ${JSON.stringify(tag)}`);
  return path.join(modelDir, `.tmp-${tag}`);
}

/**
 * Publish a finished training folder as the next version of `modelDir` and point LATEST at it; returns the
 * version. Concurrent publishers each get their own number (a rename onto an existing version fails).
 */
export function publishModelVersion(modelDir: string, staged: string): string {
  if (!holdsModel(staged)) throw new InvalidArgumentError(`${staged} holds no model to publish`);
  rmSync(path.join(staged, 'checkpoint'), { recursive: true, force: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const existing = isDir(modelDir) ? readdirSync(modelDir).filter((n) => VERSION.test(n)) : [];
    const next = `v${Math.max(0, ...existing.map(versionNumber)) + 1}`;
    try {
      renameSync(staged, path.join(modelDir, next));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') continue; // another run took that number
      throw err;
    }
    const tmp = path.join(modelDir, `.tmp-${LATEST_FILE}-${process.pid}-${Date.now()}`);
    writeFileSync(tmp, `${next}\n`);
    renameSync(tmp, path.join(modelDir, LATEST_FILE));
    return next;
  }
  throw new InvalidArgumentError(`could not find a free version number under ${modelDir}`);
}
