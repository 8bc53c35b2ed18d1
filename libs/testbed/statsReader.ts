/**
 * `epp testbed stats`: the acceptance statistics recomputed from an archive's files (manifest.json, truth/,
 * forecasts/, perfect/) through libs/netcdf, so they describe exactly what a user trains and scores on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileAccessError, MismatchError } from '../contracts/errors.js';
import { openDataset } from '../netcdf/open.js';
import { parseManifest, type TestbedManifest } from './manifest.js';
import { StatsAccumulator, TARGETS, type ArchiveStats } from './statsAccumulator.js';

export interface ArchiveStatsReport extends ArchiveStats {
  preset: string;
  seed: number;
  events: TestbedManifest['events'];
}

/** Read one field [level index] of variable `name` at step index `step` (or a truth file when step < 0). */
async function readTarget(
  path: string,
  name: string,
  level: number,
  step: number,
): Promise<{ data: Float32Array; members: number }> {
  const ds = await openDataset(path);
  try {
    const info = ds.variable(name);
    const isEns = info.dims[0] === 'step';
    const shape = info.shape;
    const start = isEns ? [step, 0, level, 0, 0] : [level, 0, 0];
    const count = isEns ? [1, shape[1], 1, shape[3], shape[4]] : [1, shape[1], shape[2]];
    const v = ds.readVariable(name, { start, count });
    return { data: Float32Array.from(v.data), members: isEns ? shape[1] : 1 };
  } finally {
    ds.close();
  }
}

export async function readArchiveStats(
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ArchiveStatsReport> {
  const mpath = join(dir, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(mpath, 'utf8');
  } catch (err) {
    throw new FileAccessError(`${mpath}: cannot read the testbed manifest (${(err as Error).message})`, {
      cause: err,
    });
  }
  const m = parseManifest(text, mpath);
  const np = m.grid.latitude.length * m.grid.longitude.length;
  const acc = new StatsAccumulator(np);
  const epoch = (iso: string) => Date.parse(iso) / 1000;
  const inSplit = (t: number, s: { start: string; end: string }) =>
    t >= epoch(`${s.start}T00:00:00Z`) && t < epoch(`${s.end}T00:00:00Z`);
  const truthByTime = new Map(m.truth.map((t) => [epoch(t.time), t.file]));
  const tests = m.inits.filter((i) => i.split === 'test');
  const total = m.truth.length + tests.length;
  let done = 0;
  for (const tr of m.truth) {
    const t = epoch(tr.time);
    const train = inSplit(t, m.splits.train);
    const test = inSplit(t, m.splits.test);
    if (train || test) {
      for (const tg of TARGETS) {
        const { data } = await readTarget(join(dir, tr.file), tg.variable, tg.level, -1);
        if (train) acc.trainingTruth(tg.key, data, 0);
        else acc.testTruth(tg.key, data, 0);
      }
    }
    onProgress?.(++done, total);
  }
  for (const init of tests) {
    const vt = epoch(init.time) + 48 * 3600;
    const truthFile = truthByTime.get(vt);
    if (!truthFile) throw new MismatchError(`${mpath}: no truth file for ${init.time} + 48 h`);
    acc.testInits++;
    for (const tg of TARGETS) {
      const y = await readTarget(join(dir, truthFile), tg.variable, tg.level, -1);
      const raw = await readTarget(join(dir, init.forecast), tg.variable, tg.level, 2);
      acc.forecast('forecasts', tg.key, raw.data, 0, raw.members, y.data, 0);
      if (init.perfect) {
        const perf = await readTarget(join(dir, init.perfect), tg.variable, tg.level, 2);
        acc.forecast('perfect', tg.key, perf.data, 0, perf.members, y.data, 0);
      }
    }
    onProgress?.(++done, total);
  }
  return { preset: m.preset, seed: m.seed, events: m.events, ...acc.result() };
}
