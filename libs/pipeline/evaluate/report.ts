/** Text rendering of an evaluation report (one table per target), and the re-export used by the CLI. */
import type { EvaluationReport } from './evaluate.js';
export { evaluateModel } from './evaluate.js';

const f = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');

export function formatEvaluation(r: EvaluationReport): string {
  const lines = [
    `${r.split} split, ${r.samples} initialisations, +${r.leadHours} h, subset of ${r.members} members, unweighted`,
  ];
  for (const t of r.targets) {
    lines.push('', `${t.target}: CRPS (all points | ${t.extremePoints} extreme points | events)`);
    const methods = Object.keys(t.crps) as (keyof typeof t.crps)[];
    for (const m of methods)
      lines.push(
        `  ${m.padEnd(19)} ${f(t.crps[m]).padStart(10)}  ${f(t.crpsExtreme[m]).padStart(10)}  ${t.events.map((e) => `${e.name}: ${f(e.crps[m])}`).join('  ')}`,
      );
    const i = t.improvement;
    lines.push(
      `  mixed vs raw10 ${pct(i.vsRaw10)}, vs raw5 ${pct(i.vsRaw5)}, vs EMOS point-by-point ${pct(i.vsEmosPointwise)}, vs EMOS global ${pct(i.vsEmosGlobal)}; extremes vs raw10 ${pct(i.extremeVsRaw10)}`,
      `  gap raw10 → perfect50 closed: mixed ${t.gapClosed === null ? '-' : pct(t.gapClosed)}, EMOS point-by-point ${t.gapClosedEmosPointwise ? `${pct(t.gapClosedEmosPointwise.subset)} (${r.members} members), ${pct(t.gapClosedEmosPointwise.all)} (all)` : '-'}; SSR mixed ${f(t.ssr.mixed)}, raw10 ${f(t.ssr.raw10)}, raw5 ${f(t.ssr.raw5)}`,
      `  rank histogram raw10 [${t.rankHistogramRaw10.join(' ')}]; PIT mixed [${t.pitHistogramMixed.join(' ')}]`,
    );
  }
  return lines.join('\n');
}
