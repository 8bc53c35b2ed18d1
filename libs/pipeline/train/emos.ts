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
import { archiveGrid, indexArchive, loadSplit } from '../dataset/index.js';
import { fitEmos, toGrid } from '../evaluate/index.js';

/** Units of the testbed (and ERA5) variables, as written in their files. */
const UNITS: Record<string, string> = { t: 'K', z: 'm**2 s**-2', u: 'm s**-1', v: 'm s**-1', q: 'kg kg**-1' };

export async function writeEmosCoefficients(
  dataDir: string,
  outDir: string,
  cfg: ModelConfig,
): Promise<string[]> {
  const index = await indexArchive(dataDir);
  const g = await archiveGrid(index);
  const train = await loadSplit(index, 'train', cfg, { rawMembers: true });
  const lead = cfg.leads[cfg.leads.length - 1];
  await mkdir(path.join(outDir, 'emos'), { recursive: true });
  const files: string[] = [];
  for (let t = 0; t < cfg.targets.length; t++) {
    const key = cfg.targets[t];
    const c = fitEmos(
      train,
      t,
      cfg.members,
      toGrid(g),
      g,
      key,
      lead,
      false,
      UNITS[parseTargetKey(key).variable] ?? '1',
    );
    const file = path.join(outDir, 'emos', `${key}.nc`);
    await writeNetcdf(
      file,
      coefficientsFileSpec(
        c,
        `${new Date().toISOString()} epp train --emos-only: global EMOS on ${train.length} training initialisations, members 1-${cfg.members}, +${lead} h`,
      ),
    );
    files.push(file);
  }
  return files;
}
