/**
 * EMOS baseline coefficients shipped with a model (the service's `emos` method reads
 * `<model>/emos/<variable><level>.nc`): a global normal-distribution fit (IMPROVER parameterisation) per
 * target on the training years of the archive, on the same k members as the model.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { coefficientsFileSpec } from '../../emos/coefficientsFile.js';
import { parseTargetKey, type ModelConfig } from '../../model/config.js';
import { writeNetcdf } from '../../netcdf/write.js';
import { archiveGrid, indexArchive, splitInits } from '../dataset/index.js';
import { toGrid, TrainingStats } from '../evaluate/index.js';

/** Units of the testbed (and ERA5) variables, as written in their files. */
const UNITS: Record<string, string> = { t: 'K', z: 'm**2 s**-2', u: 'm s**-1', v: 'm s**-1', q: 'kg kg**-1' };

export async function writeEmosCoefficients(
  dataDir: string,
  outDir: string,
  cfg: ModelConfig,
): Promise<string[]> {
  const index = await indexArchive(dataDir);
  const g = await archiveGrid(index);
  const lead = cfg.leads[cfg.leads.length - 1];
  // One streamed pass over the training years; the statistics wait on disk (memory flat in the years).
  const stats = await TrainingStats.collect(index, splitInits(index, 'train'), cfg, g, toGrid(g), {
    k: cfg.members,
    z850: null,
    lead,
    extended: false,
  });
  try {
    await mkdir(path.join(outDir, 'emos'), { recursive: true });
    const files: string[] = [];
    for (let t = 0; t < cfg.targets.length; t++) {
      const key = cfg.targets[t];
      const c = stats.fitEmos(t, 'subset', false, UNITS[parseTargetKey(key).variable] ?? '1');
      const file = path.join(outDir, 'emos', `${key}.nc`);
      await writeNetcdf(
        file,
        coefficientsFileSpec(
          c,
          `${new Date().toISOString()} epp train --emos-only: global EMOS on ${stats.times} training initialisations, members 1-${cfg.members}, +${lead} h`,
        ),
      );
      files.push(file);
    }
    return files;
  } finally {
    stats.dispose();
  }
}
