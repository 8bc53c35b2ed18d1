/** A few days of the tiny testbed (three initialisations, Jan 4/7/11 2016) generated once per test file. */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ArchiveWriter, PRESETS, TestbedGenerator, type Preset } from '../../../libs/testbed/index.js';

export const MINI_BATCH: Preset = {
  ...PRESETS.tiny,
  perfectMembers: 2,
  spinupDays: 5,
  splits: {
    train: { start: '2016-01-04', end: '2016-01-12' },
    val: { start: '2016-01-12', end: '2016-01-12' },
    test: { start: '2016-01-12', end: '2016-01-12' },
  },
  events: [],
};

export async function generateMiniArchive(dir: string): Promise<{ forecasts: string[]; truth: string[] }> {
  await new TestbedGenerator({ preset: MINI_BATCH, seed: 3 }).process(new ArchiveWriter(dir));
  const list = (sub: string) =>
    readdirSync(path.join(dir, sub))
      .filter((f) => f.endsWith('.nc'))
      .sort();
  return { forecasts: list('forecasts'), truth: list('truth') };
}

/** Copy one archive file into `<dataDir>/inbox/<sub>/`. */
export function drop(archive: string, dataDir: string, sub: 'forecasts' | 'truth', name: string): void {
  mkdirSync(path.join(dataDir, 'inbox', sub), { recursive: true });
  copyFileSync(path.join(archive, sub, name), path.join(dataDir, 'inbox', sub, name));
}
