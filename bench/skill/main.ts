/**
 * `npm run -s bench -- skill [--json] [--model DIR] [--data DIR] [--real FILE]`: the acceptance table of the
 * mixed model on the test year of the `small` testbed at +48 h (CRPS vs raw10, extremes, point-by-point
 * EMOS, SSR, gap closed), plus post-processing speed on the real ERA5 ensemble (members 1–5) and peak RSS.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { peakRssMiB, printResults } from '../report.js';
import { selectBackend, type BackendKind } from '../../libs/model/backend.js';
import { readManifest } from '../../libs/model/folder.js';
import { evaluateModel } from '../../libs/pipeline/evaluate/index.js';
import { postprocessWithModel } from '../../libs/pipeline/forecast/index.js';

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
}

export async function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const modelDir = arg(argv, 'model', 'data/models/default');
  const dataDir = arg(argv, 'data', 'data/testbed/small');
  const real = arg(
    argv,
    'real',
    path.resolve(
      process.env.EPP_REAL_DATA ?? '../shared/data/real',
      'cfgrib_era5_eda/era5-levels-members.nc3.nc',
    ),
  );
  const backend = await selectBackend(
    arg(argv, 'backend', process.env.EPP_TF_BACKEND ?? 'wasm') as BackendKind,
  );
  const manifest = await readManifest(modelDir);
  const ev = await evaluateModel({ modelDir, dataDir, split: 'test' });
  let speed: Record<string, number> | null = null;
  if (existsSync(real)) {
    const out = path.join('/tmp', `epp-skill-${process.pid}.nc`);
    const r = await postprocessWithModel({
      modelDir,
      forecastPath: real,
      outPath: out,
      products: ['mean', 'std'],
      members: [0, 1, 2, 3, 4],
    });
    speed = { msPerSample: r.msPerSample, samplesPerSecond: 1000 / r.msPerSample, sigmaMin: r.sigmaMin };
  }
  const training = (manifest.training ?? {}) as { seconds?: number };
  const result = {
    backend: backend.name,
    model: modelDir,
    trainingSeconds: training.seconds ?? null,
    evaluation: ev,
    postprocessReal: speed,
    peakRssMiB: await peakRssMiB(),
  };
  const goal = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rows = ev.targets.map((t) => [
    t.target,
    t.crps.raw10 ?? NaN,
    t.crps.emos_pointwise ?? NaN,
    t.crps.mixed ?? NaN,
    t.crps.perfect50 ?? NaN,
    `${(100 * t.improvement.vsRaw10).toFixed(1)} % (${goal(t.improvement.vsRaw10 >= 0.14)})`,
    `${(100 * t.improvement.extremeVsRaw10).toFixed(1)} % (${goal(t.improvement.extremeVsRaw10 >= 0.26)})`,
    `${(100 * t.improvement.vsEmosPointwise).toFixed(1)} % (${goal(t.improvement.vsEmosPointwise >= 0.05)})`,
    `${t.ssr.mixed.toFixed(3)} (${goal(t.ssr.mixed >= 0.9 && t.ssr.mixed <= 1.1)})`,
    t.gapClosed === null ? '-' : `${(100 * t.gapClosed).toFixed(1)} %`,
    t.gapClosedEmosPointwise
      ? `${(100 * t.gapClosedEmosPointwise.all).toFixed(1)} % (${goal(t.gapClosedEmosPointwise.all <= 0.5)})`
      : '-',
  ]);
  printResults(
    result,
    {
      header: [
        'target',
        'raw10',
        'emos_pbp',
        'mixed',
        'perfect50',
        'vs raw10 ≥14%',
        'extremes ≥26%',
        'vs EMOS pbp ≥5%',
        'SSR [0.9,1.1]',
        'gap closed',
        'EMOS pbp raw10 gap ≤50%',
      ],
      rows,
    },
    json,
  );
  process.stdout.write(
    `backend ${backend.name}; training ${training.seconds?.toFixed(0) ?? '?'} s; post-processing ERA5: ${speed ? `${speed.msPerSample.toFixed(0)} ms/sample, ${speed.samplesPerSecond.toFixed(2)} samples/s, min σ ${speed.sigmaMin.toPrecision(3)}` : 'real data absent'}; peak RSS ${result.peakRssMiB.toFixed(0)} MiB\n`,
  );
}
