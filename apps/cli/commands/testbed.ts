import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import {
  ArchiveWriter,
  PRESETS,
  TestbedGenerator,
  formatStats,
  readArchiveStats,
  type PresetName,
} from '../../../libs/testbed/index.js';

function progressBar(label: string): SingleBar {
  return new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
}

/** `epp testbed generate|stats`: the synthetic ENS10-like archive (DESIGN §5). */
export function registerTestbed(program: Command): void {
  const tb = program
    .command('testbed')
    .description('Synthetic ENS10 + ERA5-like archive: generate it, score it');
  tb.command('generate')
    .description('Generate a deterministic archive (forecasts/, truth/, perfect/, manifest.json)')
    .option('--preset <name>', `size: ${Object.keys(PRESETS).join(' | ')}`, 'tiny')
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <n>', 'random seed (same seed → byte-identical files)', '1')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: { preset: string; out: string; seed: string; progress: boolean }) => {
      if (!(opts.preset in PRESETS))
        throw new InvalidArgumentError(
          `--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${opts.preset}'`,
        );
      const seed = Number(opts.seed);
      const bar = opts.progress && process.stderr.isTTY ? progressBar(`testbed ${opts.preset}`) : null;
      let started = false;
      const gen = new TestbedGenerator({
        preset: opts.preset as PresetName,
        seed,
        onProgress: (p) => {
          if (!bar) return;
          if (!started) bar.start(Math.ceil(p.total), 0);
          started = true;
          bar.update(Math.floor(p.done));
        },
      });
      const writer = new ArchiveWriter(opts.out);
      const t0 = performance.now();
      await gen.process(writer);
      bar?.stop();
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      process.stdout.write(
        `testbed ${opts.preset} (seed ${seed}): ${gen.plan.inits.length} initialisations, ` +
          `${(writer.bytes / 2 ** 20).toFixed(0)} MiB of data in ${opts.out} (${s} s)\n`,
      );
    });
  tb.command('stats')
    .description('Scores at +48 h on the test split: CRPS raw10/raw5/perfect50, spread–skill, bias, extremes')
    .argument('<dir>', 'archive folder (holds manifest.json)')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const bar = !opts.json && process.stderr.isTTY ? progressBar('reading') : null;
      let started = false;
      const report = await readArchiveStats(dir, (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      });
      bar?.stop();
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatStats(report)) + '\n');
    });
}
