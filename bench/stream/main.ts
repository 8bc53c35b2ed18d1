/**
 * `npm run -s bench -- stream --data <testbed archive> [--json] [--years 1,4] [--modes loaded,streamed]
 *  [--prefetch 2]`
 *
 * Peak memory of one pass over the training years of an archive (`epp testbed generate`, e.g. the `small`
 * preset's 4 training years) — the normalisation fit that `epp train` makes — for the first 1 … N years,
 * side by side: `loaded` = the whole split in memory first (loadSplit, as training did before streaming),
 * `streamed` = samples read from disk in order with a bounded prefetch (libs/pipeline/dataset/stream.ts).
 * Each (years, mode) runs in its own child process, so each peak RSS is its own. The two modes must give
 * the same normalisation (checked: the largest |difference| of the fitted BC means and target scales).
 */
import os from 'node:os';
import { arg, listArg, numberListArg, runChild } from '../common/args.js';
import { peakRssMiB, printResults } from '../report.js';
import { resolveModelConfig } from '../../libs/model/config.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';
import {
  indexArchive,
  loadSplit,
  splitInits,
  streamSamples,
  type ArchiveIndex,
} from '../../libs/pipeline/dataset/index.js';

type Mode = 'loaded' | 'streamed';

interface Result {
  years: number;
  mode: Mode;
  ok: boolean;
  error?: string;
  samples?: number;
  seconds?: number;
  peakRssMiB: number;
  /** Fitted statistics (to check that both modes agree). */
  bcMean?: number[];
  targetScale?: number[];
  loadAverage1m: { before: number; after: number };
}

/** The training initialisations of the first `years` calendar years of the train split. */
function firstYears(index: ArchiveIndex, years: number) {
  const inits = splitInits(index, 'train');
  const y0 = new Date(inits[0].time * 1000).getUTCFullYear();
  return inits.filter((i) => new Date(i.time * 1000).getUTCFullYear() < y0 + years);
}

async function runCase(data: string, years: number, mode: Mode, prefetch: number): Promise<Result> {
  const load0 = os.loadavg()[0];
  const cfg = resolveModelConfig({});
  const index = await indexArchive(data);
  const inits = firstYears(index, years);
  const t0 = performance.now();
  const fit = new NormalizationFitter(true);
  if (mode === 'loaded') {
    const all = await loadSplit({ ...index, inits }, 'train', cfg);
    all.forEach((s) => fit.add(s.raw));
  } else for await (const s of streamSamples(index, inits, cfg, {}, { prefetch })) fit.add(s.raw);
  const stats = fit.finish();
  return {
    years,
    mode,
    ok: true,
    samples: inits.length,
    seconds: (performance.now() - t0) / 1000,
    peakRssMiB: await peakRssMiB(),
    bcMean: stats.bcMean,
    targetScale: stats.targetScale,
    loadAverage1m: { before: load0, after: os.loadavg()[0] },
  };
}

function child(years: number, mode: Mode, argv: string[]): Promise<Result> {
  return runChild<Result>('stream', `${years}:${mode}`, argv, (error, loadAverage1m) => ({
    years,
    mode,
    ok: false,
    error,
    peakRssMiB: NaN,
    loadAverage1m,
  }));
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const data = arg(argv, 'data', '');
  if (!data) throw new Error('bench stream needs --data <testbed archive folder>');
  const prefetch = Number(arg(argv, 'prefetch', '2'));
  const childArg = arg(argv, 'child', '');
  if (childArg) {
    const [y, mode] = childArg.split(':');
    let r: Result;
    try {
      r = await runCase(data, Number(y), mode as Mode, prefetch);
    } catch (err) {
      r = {
        years: Number(y),
        mode: mode as Mode,
        ok: false,
        error: String((err as Error)?.message ?? err).slice(0, 200),
        peakRssMiB: await peakRssMiB(),
        loadAverage1m: { before: NaN, after: os.loadavg()[0] },
      };
    }
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const years = numberListArg(argv, 'years', '1,4');
  const modes = listArg(argv, 'modes', 'loaded,streamed') as Mode[];
  const pass = ['--data', data, '--prefetch', String(prefetch)];
  const results: Result[] = [];
  for (const y of years) for (const m of modes) results.push(await child(y, m, pass));
  const agree = (y: number) => {
    const [a, b] = modes.map((m) => results.find((r) => r.years === y && r.mode === m));
    if (!a?.bcMean || !b?.bcMean) return undefined;
    let d = 0;
    a.bcMean.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.bcMean![i]))));
    a.targetScale!.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.targetScale![i]))));
    return d;
  };
  const json = {
    data,
    prefetch,
    cpus: os.cpus().length,
    results: results.map(({ bcMean: _b, targetScale: _t, ...r }) => ({ ...r, maxStatDiff: agree(r.years) })),
  };
  printResults(
    json,
    {
      header: [
        'train years',
        'mode',
        'samples',
        'seconds',
        'peak RSS MiB',
        'stats Δ vs other mode',
        'load 1m',
        'error',
      ],
      rows: results.map((r) => [
        r.years,
        r.mode,
        r.samples ?? '',
        r.seconds ?? '',
        r.peakRssMiB ?? '',
        agree(r.years) ?? '',
        `${r.loadAverage1m.before?.toFixed(1)}→${r.loadAverage1m.after?.toFixed(1)}`,
        r.error ?? '',
      ]),
    },
    asJson,
  );
}
