/**
 * `npm run -s bench -- testbed [--preset tiny|small] [--json]`: generate a preset in memory (no files) and
 * report wall and CPU time with the acceptance statistics — the loop used to tune libs/testbed/tuning.ts.
 */
import { MemoryStatsSink, TestbedGenerator, type PresetName } from '../../libs/testbed/index.js';
import { printResults } from '../report.js';

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const i = argv.indexOf('--preset');
  const preset = (i >= 0 ? argv[i + 1] : 'tiny') as PresetName;
  const sink = new MemoryStatsSink();
  const gen = new TestbedGenerator({ preset, seed: 1 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await gen.process(sink);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const r = sink.result;
  const rows = Object.entries(r.variables).map(([k, v]) => [
    k,
    v.raw10.crps,
    v.raw5.crps,
    v.perfect50?.crps ?? NaN,
    v.crpsRatioRaw10ToPerfect ?? NaN,
    v.raw10.ssr,
    v.perfect50?.ssr ?? NaN,
    v.raw10.bias,
    v.raw10.errorSpreadCorr,
    100 * v.extremeFraction,
  ]);
  printResults(
    { preset, inits: gen.plan.inits.length, wallSeconds: wallS, cpuSeconds: cpuS, stats: r },
    {
      header: [
        'var',
        'raw10 crps',
        'raw5 crps',
        'perf50 crps',
        'ratio',
        'raw10 ssr',
        'perf50 ssr',
        'bias',
        'err~spread r',
        'extreme %',
      ],
      rows: [
        ...rows,
        [`${preset}: ${gen.plan.inits.length} inits, wall ${wallS.toFixed(1)} s, cpu ${cpuS.toFixed(1)} s`],
      ],
    },
    asJson,
  );
}
