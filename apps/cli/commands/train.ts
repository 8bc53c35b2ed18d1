import { MultiBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { selectBackend, type BackendKind } from '../../../libs/model/backend.js';
import { resolveModelConfig } from '../../../libs/model/config.js';
import { availableThreads } from '../../../libs/model/parallel/pool.js';
import { writeEmosCoefficients, trainModel, type TrainOptions } from '../../../libs/pipeline/train/index.js';
import { normaliseTrainOptions } from '../../../libs/pipeline/train/options.js';

const list = (s?: string) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;
const int = (s: string | undefined, name: string) => {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!Number.isInteger(v)) throw new InvalidArgumentError(`--${name} must be an integer, got '${s}'`);
  return v;
};

/** Training option → `epp train` flag, for error messages. */
const TRAIN_FLAGS: Record<string, string> = {
  fineTuneEpochs: 'fine-tune',
  batchSize: 'batch',
  learningRate: 'lr',
  learningRateDecay: 'lr-decay',
  maxTrainSamples: 'max-samples',
  lcnBiasInit: 'lcn-bias-init',
};

interface Opts {
  data: string;
  out: string;
  task: string;
  members: string;
  variables: string;
  predictors: string;
  epochs: string;
  fineTune: string;
  batch: string;
  lr?: string;
  lrDecay: string;
  patience: string;
  resume?: boolean;
  backend: string;
  threads?: string;
  bcFilters?: string;
  bcLevels?: string;
  uqFilters?: string;
  uqBlocks?: string;
  uqBranch?: string;
  coslat?: boolean;
  lcnBiasInit: string;
  maxSamples?: string;
  progress: boolean;
  json?: boolean;
  emosOnly?: boolean;
  seed?: string;
}

/** `epp train`: fit the mixed BC + UQ model on a testbed archive (DESIGN §2). */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train the mixed prediction + post-processing model on a testbed archive')
    .requiredOption('--data <dir>', 'testbed archive (manifest.json, forecasts/, truth/)')
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--task <task>', 'bc | uq | mixed', 'mixed')
    .option('--members <k>', 'subset size: members 1..k feed the model', '5')
    .option('--variables <list>', 'targets as <var><level>', 't850,z500')
    .option('--predictors <list>', 'predictor variables (at every target level)', 'z,t')
    .option('--epochs <n>', 'max epochs per stage (early stopping on validation)', '4')
    .option('--fine-tune <n>', 'epochs of end-to-end CRPS fine-tuning (task mixed)', '0')
    .option('--batch <n>', 'batch size', '2')
    .option('--lr <x>', 'Adam learning rate (default 2e-3)')
    .option('--lr-decay <x>', 'per-epoch factor on the learning rate within each stage (1 = constant)', '0.7')
    .option('--patience <n>', 'early-stopping patience (epochs)', '2')
    .option('--resume', 'continue from <out>/checkpoint')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', process.env.EPP_TF_BACKEND ?? 'auto')
    .option(
      '--threads <n>',
      'tensor threads: each batch is split over n worker threads (default EPP_TF_THREADS, else the cores available)',
    )
    .option('--bc-filters <n>', 'BC U-Net base filters')
    .option('--bc-levels <n>', 'BC U-Net pooling levels')
    .option('--uq-filters <n>', 'UQ ResNet width')
    .option('--uq-blocks <n>', 'UQ inception blocks')
    .option('--uq-branch <n>', 'filters per inception branch')
    .option('--coslat', 'cos(latitude)-weighted losses')
    .option('--lcn-bias-init <how>', 'zero | mean-residual', 'zero')
    .option('--max-samples <n>', 'use at most n training samples')
    .option('--seed <n>', 'training seed (initial weights and sample order)', '1')
    .option('--emos-only', 'only fit global EMOS on the train split into <out>/emos/<target>.nc')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the result as JSON')
    .action(async (o: Opts) => {
      const targets = list(o.variables) ?? [];
      const levels = [...new Set(targets.map((t) => Number(/\d+$/.exec(t)?.[0])))];
      if (o.lcnBiasInit !== 'zero' && o.lcnBiasInit !== 'mean-residual')
        throw new InvalidArgumentError(`--lcn-bias-init must be zero or mean-residual`);
      // The API's checks and ranges (libs/pipeline/train/options.ts), reported with this command's flag names.
      normaliseTrainOptions(
        Object.fromEntries(
          Object.entries({
            task: o.task,
            epochs: o.epochs,
            fineTuneEpochs: o.fineTune,
            batchSize: o.batch,
            learningRate: o.lr,
            learningRateDecay: o.lrDecay,
            patience: o.patience,
            members: o.members,
            maxTrainSamples: o.maxSamples,
            seed: o.seed,
            lcnBiasInit: o.lcnBiasInit,
          }).filter(([, v]) => v !== undefined),
        ),
        (k) => `--${TRAIN_FLAGS[k] ?? k}`,
      );
      const backend = await selectBackend(o.backend as BackendKind, {
        log: (m) => process.stderr.write(m + '\n'),
      });
      const bar =
        o.progress && process.stderr.isTTY
          ? new MultiBar(
              {
                format:
                  '{stage} epoch {epoch}/{epochs} [{bar}] {value}/{total} | loss {loss} | val CRPS {val} | ETA {eta_formatted}',
                hideCursor: true,
                stream: process.stderr,
              },
              Presets.shades_classic,
            )
          : null;
      let current: ReturnType<MultiBar['create']> | null = null;
      let key = '';
      let lastVal = '-';
      const opts: TrainOptions = {
        dataDir: o.data,
        outDir: o.out,
        task: o.task as TrainOptions['task'],
        epochs: int(o.epochs, 'epochs')!,
        fineTuneEpochs: int(o.fineTune, 'fine-tune'),
        batchSize: int(o.batch, 'batch'),
        learningRate: o.lr === undefined ? undefined : Number(o.lr),
        learningRateDecay: Number(o.lrDecay),
        patience: int(o.patience, 'patience'),
        resume: o.resume,
        maxTrainSamples: int(o.maxSamples, 'max-samples'),
        threads: int(o.threads ?? process.env.EPP_TF_THREADS, 'threads') ?? availableThreads(),
        lcnBiasInit: o.lcnBiasInit,
        seed: int(o.seed, 'seed'),
        config: {
          targets,
          levels,
          predictors: list(o.predictors),
          members: int(o.members, 'members'),
          bcFilters: int(o.bcFilters, 'bc-filters'),
          bcLevels: int(o.bcLevels, 'bc-levels'),
          uqFilters: int(o.uqFilters, 'uq-filters'),
          uqBlocks: int(o.uqBlocks, 'uq-blocks'),
          uqBranchFilters: int(o.uqBranch, 'uq-branch'),
          coslatWeights: o.coslat ?? false,
        },
        onProgress: (p) => {
          if (p.valCrps !== undefined) lastVal = p.valCrps.toFixed(4);
          if (!bar) {
            if (p.phase === 'load' && p.steps === undefined && p.message)
              process.stderr.write(`${p.message}\n`);
            if (p.phase === 'train' && p.step === p.steps && p.valCrps !== undefined)
              process.stderr.write(
                `${p.stage} epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4)} val CRPS ${lastVal}\n`,
              );
            return;
          }
          if (p.phase === 'load' && p.steps === undefined) {
            if (p.message) bar.log(`${p.message}\n`);
            return;
          }
          if (p.phase !== 'train' && p.phase !== 'load') return;
          const k = p.phase === 'load' ? `load:${p.message}` : `${p.stage}:${p.epoch}`;
          if (k !== key) {
            current?.stop();
            key = k;
            current = bar.create(p.steps ?? 1, 0, {
              stage: p.stage ?? p.message,
              epoch: p.epoch ?? '-',
              epochs: p.epochs ?? '-',
              loss: '-',
              val: lastVal,
            });
          }
          current?.update(p.step ?? 0, { loss: p.loss?.toFixed(4) ?? '-', val: lastVal });
        },
      };
      if (o.emosOnly) {
        const files = await writeEmosCoefficients(o.data, o.out, resolveModelConfig(opts.config));
        process.stdout.write(`wrote ${files.join(', ')}\n`);
        return;
      }
      const r = await trainModel(opts);
      bar?.stop();
      const summary = { ...r, backend: backend.name, threads: opts.threads };
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else
        process.stdout.write(
          `model written to ${r.outDir}: ${r.trainSamples} training samples, ${r.seconds.toFixed(0)} s on ${backend.name} ` +
            `with ${opts.threads} tensor thread${opts.threads === 1 ? '' : 's'}; ` +
            `validation CRPS ${r.val.crps.map((c, i) => `${targets[i]} ${c.toPrecision(4)}`).join(', ')}\n`,
        );
    });
}
