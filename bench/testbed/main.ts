/**
 * `npm run -s bench -- testbed [--preset tiny|small|year] [--tuning JSON] [--emos] [--json]`: generate a preset in
 * memory (no files) and report wall and CPU time with the acceptance statistics — the loop used to tune
 * libs/testbed/tuning.ts. `year` is TUNING_YEAR (a full test year, cheap); `--tuning` overrides fields of
 * DEFAULT_TUNING, e.g. '{"rawPerturbationScale":0.9,"memberBias":{"z500PerVorticity":80}}'.
 */
import {
  DEFAULT_TUNING,
  MemoryStatsSink,
  TUNING_YEAR,
  TestbedGenerator,
  type PresetName,
  type TestbedTuning,
} from '../../libs/testbed/index.js';
import { printResults } from '../report.js';
import { EmosProbeSink } from './emosProbe.js';

function tuningOverride(json: string | undefined): Partial<TestbedTuning> {
  if (!json) return {};
  const o = JSON.parse(json) as Partial<TestbedTuning>;
  return {
    ...o,
    member: { ...DEFAULT_TUNING.member, ...(o.member ?? {}) },
    memberBias: { ...DEFAULT_TUNING.memberBias, ...(o.memberBias ?? {}) },
  };
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const i = argv.indexOf('--preset');
  const preset = i >= 0 ? argv[i + 1] : 'tiny';
  const k = argv.indexOf('--tuning');
  const tuning = tuningOverride(k >= 0 ? argv[k + 1] : undefined);
  const sink = new MemoryStatsSink();
  // --emos: also fit point-by-point EMOS on alternate test weeks (emosProbe.ts) and report the gap it closes.
  const probe = argv.includes('--emos') ? new EmosProbeSink(sink) : null;
  const gen = new TestbedGenerator({
    preset: preset === 'year' ? TUNING_YEAR : (preset as PresetName),
    seed: 1,
    tuning,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await gen.process(probe ?? sink);
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
    probe?.results ? `${(100 * probe.results[k as 'z500' | 't850'].gapClosed).toFixed(1)} %` : '-',
  ]);
  printResults(
    {
      preset,
      tuning,
      inits: gen.plan.inits.length,
      wallSeconds: wallS,
      cpuSeconds: cpuS,
      stats: r,
      emosProbe: probe?.results ?? null,
    },
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
        'EMOS pbp gap closed (probe)',
      ],
      rows: [
        ...rows,
        [`${preset}: ${gen.plan.inits.length} inits, wall ${wallS.toFixed(1)} s, cpu ${cpuS.toFixed(1)} s`],
      ],
    },
    asJson,
  );
}
