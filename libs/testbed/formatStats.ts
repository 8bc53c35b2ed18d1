/** Plain-text table of the testbed statistics with the acceptance targets beside each number. */
import type { ArchiveStats } from './statsAccumulator.js';

const f = (x: number | null | undefined, d = 3): string =>
  x == null || !Number.isFinite(x) ? '-' : x.toFixed(d);

export function formatStats(s: ArchiveStats): string {
  const rows: string[][] = [
    [
      'variable',
      'raw10 crps',
      'raw5 crps',
      'perf50 crps',
      'raw10/perf50',
      'raw10 ssr',
      'perf50 ssr',
      'raw10 bias',
      'err-spread r (all/within)',
      'extreme %',
    ],
  ];
  for (const [k, v] of Object.entries(s.variables)) {
    rows.push([
      k,
      f(v.raw10.crps),
      f(v.raw5.crps),
      f(v.perfect50?.crps),
      f(v.crpsRatioRaw10ToPerfect),
      f(v.raw10.ssr),
      f(v.perfect50?.ssr),
      f(v.raw10.bias),
      `${f(v.raw10.errorSpreadCorr, 2)}/${f(v.raw10.errorSpreadCorrWithinPoint, 2)}`,
      f(100 * v.extremeFraction, 2),
    ]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join('  '));
  lines.splice(1, 0, w.map((x) => '-'.repeat(x)).join('  '));
  lines.push(
    `+${s.leadHours} h, ${s.testInits} test initialisations. Targets: raw10 ssr 0.6–0.9, perf50 ssr 0.9–1.1, ` +
      'perf50 < raw10 < raw5 crps, raw10/perf50 1.25–1.6, error–spread r > 0, extreme ≥ 1 %.',
  );
  return lines.join('\n');
}
