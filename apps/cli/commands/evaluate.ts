import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { selectBackend, type BackendKind } from '../../../libs/model/backend.js';
import { readManifest, updateManifest } from '../../../libs/model/folder.js';
import { scoresForManifest, evaluateModel, formatEvaluation } from '../../../libs/pipeline/evaluate/index.js';
import type { SplitName } from '../../../libs/pipeline/dataset/index.js';
import { WEIGHT_KINDS, type WeightKind } from '../../../libs/scoring/weights.js';

/** `epp evaluate`: the mixed model against raw, EMOS and perfect-model baselines on a testbed split. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'CRPS of raw10, raw5, EMOS, the mixed model and perfect50 at the target lead (all, extremes, events)',
    )
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--data <dir>', 'testbed archive')
    .option('--split <name>', 'train | val | test', 'test')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', process.env.EPP_TF_BACKEND ?? 'auto')
    .option('--weights <kind>', 'area (default: cos(latitude) on lat–lon grids) | coslat | none', 'area')
    .option('--replicates <n>', 'bootstrap replicates of the 95 % week-block intervals', '1000')
    .option('--seed <n>', 'bootstrap seed', '1')
    .option(
      '--no-extended-emos',
      'leave out the seasonal / local-predictor EMOS variants (they take a few CPU-minutes on `small`)',
    )
    .option('--json', 'print JSON')
    .option('--write', "record the scores in the model's manifest.json (under scores.<split>)")
    .action(
      async (o: {
        model: string;
        data: string;
        split: string;
        backend: string;
        weights: string;
        replicates: string;
        seed: string;
        extendedEmos: boolean;
        json?: boolean;
        write?: boolean;
      }) => {
        if (!['train', 'val', 'test'].includes(o.split))
          throw new InvalidArgumentError('--split must be train, val or test');
        if (!WEIGHT_KINDS.includes(o.weights as WeightKind))
          throw new InvalidArgumentError(`--weights must be area, coslat or none, got '${o.weights}'`);
        const replicates = Number(o.replicates);
        const seed = Number(o.seed);
        if (!Number.isInteger(replicates) || replicates < 0)
          throw new InvalidArgumentError(`--replicates must be an integer ≥ 0, got '${o.replicates}'`);
        if (!Number.isInteger(seed))
          throw new InvalidArgumentError(`--seed must be an integer, got '${o.seed}'`);
        await selectBackend(o.backend as BackendKind, { log: (m) => process.stderr.write(m + '\n') });
        const r = await evaluateModel({
          modelDir: o.model,
          dataDir: o.data,
          split: o.split as SplitName,
          weights: o.weights as WeightKind,
          replicates,
          seed,
          extendedEmos: o.extendedEmos,
        });
        process.stdout.write((o.json ? JSON.stringify(r, null, 2) : formatEvaluation(r)) + '\n');
        if (o.write) {
          const m = await readManifest(o.model);
          await updateManifest(o.model, {
            scores: { ...(m.scores ?? {}), [r.split]: scoresForManifest(r, o.data) },
          });
        }
      },
    );
}
