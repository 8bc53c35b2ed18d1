/**
 * A model folder on disk: the files of serialize.ts plus manifest.json. The only module of libs/model that
 * touches the file system. Writes go to a temporary sibling folder renamed into place (never half-written).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileAccessError, ModelError } from '../contracts/errors.js';
import type { MixedModel } from './mixedModel.js';
import { modelFromFiles, modelToFiles, type ModelFiles, type ModelManifest } from './serialize.js';

export const MANIFEST = 'manifest.json';

/** Save `model` into `dir` (replaced atomically); other entries already in `dir` (e.g. emos/) are kept. */
export async function saveModelFolder(
  dir: string,
  model: MixedModel,
  extra: Pick<ModelManifest, 'trainingData' | 'training' | 'scores'> = {},
): Promise<ModelManifest> {
  const { files, manifest } = await modelToFiles(model, extra);
  const tmp = `${dir.replace(/\/+$/, '')}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(tmp, name), bytes);
    await writeFile(path.join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    await mkdir(dir, { recursive: true });
    for (const name of [...Object.keys(files), MANIFEST])
      await rename(path.join(tmp, name), path.join(dir, name));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return manifest;
}

/** Read and validate manifest.json of a model folder. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const p = path.join(dir, MANIFEST);
  if (!existsSync(p)) throw new FileAccessError(`model folder ${dir} has no ${MANIFEST}`);
  try {
    return JSON.parse(await readFile(p, 'utf8')) as ModelManifest;
  } catch (err) {
    throw new ModelError(`${p} is not valid JSON`, { cause: err });
  }
}

/** Load a model folder, refusing (ModelError) when a file is missing or differs from its manifest SHA-256. */
export async function loadModelFolder(dir: string): Promise<{ model: MixedModel; manifest: ModelManifest }> {
  const manifest = await readManifest(dir);
  const present = new Set(await readdir(dir));
  const files: ModelFiles = {};
  for (const name of Object.keys(manifest.files ?? {}))
    if (present.has(name)) files[name] = new Uint8Array(await readFile(path.join(dir, name)));
  const model = await modelFromFiles(manifest, files, dir);
  return { model, manifest };
}

/** Update manifest.json fields (e.g. test scores) without touching the model files. */
export async function updateManifest(dir: string, patch: Partial<ModelManifest>): Promise<void> {
  const m = { ...(await readManifest(dir)), ...patch };
  const tmp = path.join(dir, `${MANIFEST}.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(m, null, 2) + '\n');
  await rename(tmp, path.join(dir, MANIFEST));
}
