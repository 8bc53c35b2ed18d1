/**
 * Training samples from a testbed archive (`epp testbed generate`): forecasts/ (one file per
 * initialisation: step × number × level × lat × lon per variable), truth/ (one file per valid time),
 * perfect/ (50-member ensembles, test years), manifest.json (splits as date ranges). A sample = one
 * initialisation: the model's inputs from the first k members, the analysis at t0 and the truth at the
 * target lead; optionally the raw members and perfect-model members of the targets (for evaluation).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataError, FileAccessError, MismatchError } from '../../contracts/errors.js';
import { parseTargetKey, predictorKeys, type ModelConfig } from '../../model/config.js';
import { buildModelInput, type RawSample } from '../../model/features.js';
import type { ModelGrid } from '../../model/mixedModel.js';
import { openDataset } from '../../netcdf/open.js';
import type { Dataset } from '../../netcdf/types.js';
import { readGrid, readLevels, readSteps, requireAll, SlabReader } from './fields.js';

export type SplitName = 'train' | 'val' | 'test';

export interface ArchiveIndex {
  dir: string;
  manifest: Record<string, unknown>;
  /** Initialisations with their forecast file and split, in time order. */
  inits: { time: number; file: string; split: SplitName | null; perfect: string | null }[];
  /** Valid time (epoch s) → truth file. */
  truth: Map<number, string>;
  /** SHA-256 over the sorted (name, size) list of every file: identifies the training data. */
  fingerprint: string;
}

export interface LoadedSample {
  init: number;
  raw: RawSample;
  /** The same sample with the served fallback analysis (subset mean at step 0), when asked for. */
  rawFallback?: RawSample;
  /** Per target: all raw members at the target lead [m, ny, nx] (when asked for). */
  rawMembers?: Float32Array[];
  memberCount?: number;
  /** Per target: perfect-model members at the target lead [50, ny, nx] (test years, when asked for). */
  perfectMembers?: Float32Array[];
  perfectCount?: number;
}

async function fileTime(file: string): Promise<number> {
  const ds = await openDataset(file);
  try {
    const name = ['time', 'forecast_reference_time', 'valid_time'].find((n) => ds.hasVariable(n));
    if (!name) throw new DataError(`${file}: no time coordinate`);
    return ds.readTime(name)[0];
  } finally {
    ds.close();
  }
}

function listNc(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.nc'))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

function splitOf(manifest: Record<string, unknown>, time: number): SplitName | null {
  const splits = manifest.splits as Record<string, { start: string; end: string }> | undefined;
  if (!splits) return null;
  for (const name of ['train', 'val', 'test'] as SplitName[]) {
    const r = splits[name];
    if (r && time >= Date.parse(r.start) / 1000 && time < Date.parse(r.end) / 1000) return name;
  }
  return null;
}

/** Index an archive folder; a FileAccessError names what is missing. */
export async function indexArchive(dir: string): Promise<ArchiveIndex> {
  const mpath = path.join(dir, 'manifest.json');
  if (!existsSync(mpath)) throw new FileAccessError(`${dir} is not a testbed archive: no manifest.json`);
  const manifest = JSON.parse(readFileSync(mpath, 'utf8')) as Record<string, unknown>;
  const fc = listNc(path.join(dir, 'forecasts'));
  const tr = listNc(path.join(dir, 'truth'));
  if (fc.length === 0 || tr.length === 0)
    throw new FileAccessError(`${dir}: forecasts/ or truth/ holds no .nc files`);
  const perfectByTime = new Map<number, string>();
  const truth = new Map<number, string>();
  const inits: ArchiveIndex['inits'] = [];
  const listed = manifest.inits as { time: string; split: SplitName; forecast: string }[] | undefined;
  const listedTruth = manifest.truth as { time: string; file: string }[] | undefined;
  if (Array.isArray(listed) && Array.isArray(listedTruth)) {
    // The generator's manifest lists every file with its time: no need to open hundreds of files.
    for (const t of listedTruth) truth.set(Date.parse(t.time) / 1000, path.join(dir, t.file));
    for (const i of listed) {
      const file = path.join(dir, i.forecast);
      const perfect = path.join(dir, 'perfect', path.basename(i.forecast));
      inits.push({
        time: Date.parse(i.time) / 1000,
        file,
        split: i.split,
        perfect: existsSync(perfect) ? perfect : null,
      });
      if (existsSync(perfect)) perfectByTime.set(Date.parse(i.time) / 1000, perfect);
    }
  } else {
    for (const f of listNc(path.join(dir, 'perfect'))) perfectByTime.set(await fileTime(f), f);
    for (const f of tr) truth.set(await fileTime(f), f);
    for (const f of fc) {
      const time = await fileTime(f);
      inits.push({ time, file: f, split: splitOf(manifest, time), perfect: perfectByTime.get(time) ?? null });
    }
  }
  inits.sort((a, b) => a.time - b.time);
  const h = createHash('sha256');
  for (const f of [...fc, ...tr, ...perfectByTime.values()].sort())
    h.update(`${path.relative(dir, f)}:${statSync(f).size}\n`);
  return { dir, manifest, inits, truth, fingerprint: h.digest('hex') };
}

/** The grid of the archive's forecasts (first file). */
export async function archiveGrid(index: ArchiveIndex): Promise<ModelGrid> {
  const ds = await openDataset(index.inits[0].file);
  try {
    const g = readGrid(ds);
    const dlon = g.longitudes.length > 1 ? Math.abs(g.longitudes[1] - g.longitudes[0]) : 360;
    return {
      ny: g.latitudes.length,
      nx: g.longitudes.length,
      latitudes: g.latitudes,
      longitudes: g.longitudes,
      periodic: Math.abs(dlon * g.longitudes.length - 360) < 1e-6 * 360,
    };
  } finally {
    ds.close();
  }
}

/** [k, ny, nx] of the first k members of `variable` at (step, level) of an ensemble file. */
function membersOf(
  ds: Dataset,
  variable: string,
  level: number,
  stepIndex: number | null,
  k: number | 'all',
) {
  const grid = readGrid(ds);
  const levels = readLevels(ds);
  const r = new SlabReader(ds, variable, grid);
  const memberDim = ds.memberAxis()?.name ?? null;
  const mAxis = r.axis(memberDim);
  const m = mAxis < 0 ? 1 : r.v.shape[mAxis];
  const count = k === 'all' ? m : k;
  if (count > m)
    throw new MismatchError(`${ds.path}: ${variable} has ${m} members, the model needs ${count}`);
  const li = levels.values.indexOf(level);
  if (levels.name && r.axis(levels.name) >= 0 && li < 0)
    throw new MismatchError(
      `${ds.path}: ${variable} has no level ${level} hPa (levels: ${levels.values.join(', ')})`,
    );
  const n = r.ny * r.nx;
  const out = new Float32Array(count * n);
  for (let i = 0; i < count; i++) {
    const at: Record<string, number> = {};
    if (memberDim) at[memberDim] = i;
    if (levels.name) at[levels.name] = Math.max(li, 0);
    if (stepIndex !== null) at.step = stepIndex;
    out.set(r.field(at), i * n);
  }
  return { data: out, count };
}

function truthField(ds: Dataset, variable: string, level: number): Float32Array {
  return membersOf(ds, variable, level, null, 1).data;
}

/** Load one initialisation as a model sample (and, optionally, evaluation extras). */
export async function loadSample(
  index: ArchiveIndex,
  init: ArchiveIndex['inits'][number],
  cfg: ModelConfig,
  extras: { rawMembers?: boolean; perfect?: boolean; fallback?: boolean } = {},
): Promise<LoadedSample> {
  const keys = predictorKeys(cfg);
  const ds = await openDataset(init.file);
  const lastLead = cfg.leads[cfg.leads.length - 1];
  try {
    const steps = readSteps(ds) ?? [];
    requireAll(
      init.file,
      'variables',
      cfg.predictors.filter((v) => !ds.hasVariable(v)),
      ds.variables.map((v) => v.name),
    );
    requireAll(
      init.file,
      'lead times (h)',
      cfg.leads.filter((l) => !steps.includes(l)).map(String),
      steps.map(String),
    );
    const ens = cfg.leads.map((lead) =>
      keys.map((key) => {
        const { variable, level } = parseTargetKey(key);
        return membersOf(ds, variable, level, steps.indexOf(lead), cfg.members).data;
      }),
    );
    const t0 = index.truth.get(init.time);
    const tL = index.truth.get(init.time + lastLead * 3600);
    if (!t0 || !tL)
      throw new DataError(`${init.file}: no truth file for the initialisation or for +${lastLead} h`);
    const [a, y] = [await openDataset(t0), await openDataset(tL)];
    let analysis: Float32Array[];
    let truth: Float32Array[];
    try {
      analysis = keys.map((key) => {
        const { variable, level } = parseTargetKey(key);
        return truthField(a, variable, level);
      });
      truth = cfg.targets.map((key) => {
        const { variable, level } = parseTargetKey(key);
        return truthField(y, variable, level);
      });
    } finally {
      a.close();
      y.close();
    }
    const first = ens[0][0];
    const n = first.length / cfg.members;
    const grid = readGrid(ds);
    const base = { ny: grid.latitudes.length, nx: n / grid.latitudes.length, ens, truth };
    const { raw } = buildModelInput({ ...base, analysis }, cfg);
    const out: LoadedSample = { init: init.time, raw };
    if (extras.fallback) out.rawFallback = buildModelInput(base, cfg).raw;
    const stepL = steps.indexOf(lastLead);
    if (extras.rawMembers) {
      const got = cfg.targets.map((key) => {
        const { variable, level } = parseTargetKey(key);
        return membersOf(ds, variable, level, stepL, 'all');
      });
      out.rawMembers = got.map((g) => g.data);
      out.memberCount = got[0].count;
    }
    if (extras.perfect && init.perfect) {
      const p = await openDataset(init.perfect);
      try {
        const ps = readSteps(p) ?? [];
        const got = cfg.targets.map((key) => {
          const { variable, level } = parseTargetKey(key);
          return membersOf(p, variable, level, ps.indexOf(lastLead), 'all');
        });
        out.perfectMembers = got.map((g) => g.data);
        out.perfectCount = got[0].count;
      } finally {
        p.close();
      }
    }
    return out;
  } finally {
    ds.close();
  }
}

/** All samples of a split, in time order. */
export async function loadSplit(
  index: ArchiveIndex,
  split: SplitName,
  cfg: ModelConfig,
  extras: { rawMembers?: boolean; perfect?: boolean; fallback?: boolean } = {},
  onProgress?: (done: number, total: number) => void,
): Promise<LoadedSample[]> {
  const inits = index.inits.filter((i) => i.split === split);
  if (inits.length === 0) throw new DataError(`${index.dir}: the ${split} split holds no initialisations`);
  const out: LoadedSample[] = [];
  for (const init of inits) {
    out.push(await loadSample(index, init, cfg, extras));
    onProgress?.(out.length, inits.length);
  }
  return out;
}
