/** Text rendering of an evaluation report (one table per target), and the re-export used by the CLI. */
import type { Interval } from '../../scoring/skill.js';
import type { EvaluationReport } from './evaluate.js';
export { evaluateModel } from './evaluate.js';

const f = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');
const iv = (x: Interval | undefined) => (x ? `${f(x.value)} [${f(x.lo)}, ${f(x.hi)}]` : '-');
const ipct = (x: Interval | undefined) =>
  x ? `${(100 * x.value).toFixed(1)} % [${(100 * x.lo).toFixed(1)}, ${(100 * x.hi).toFixed(1)}]` : '-';

export function formatEvaluation(r: EvaluationReport): string {
  const b = r.bootstrap;
  const lines = [
    `${r.split} split, ${r.samples} initialisations, +${r.leadHours} h, subset of ${r.members} members, ` +
      `${r.weights === 'coslat' ? 'cos(latitude)-weighted' : 'unweighted'}; [95 %] = ${b.blockDays}-day block bootstrap over initialisations (${b.blocks} blocks, ${b.replicates} replicates, seed ${b.seed})`,
    `mixed: ${r.analysis.mixed}; mixed_fallback (the served path without an analysis): ${r.analysis.mixed_fallback}`,
  ];
  for (const t of r.targets) {
    const s = t.skill;
    lines.push(
      '',
      `${t.target}: thresholds = per-point training p99 (upper) and p1 (lower); twCRPS 1{z > t} / 1{z < t} (Gneiting & Ranjan 2011)`,
      `  ${'method'.padEnd(19)} ${'CRPS'.padEnd(26)} ${'CRPS fair'.padEnd(26)} ${'CRPS Gaussian'.padEnd(26)} ${'twCRPS > p99'.padEnd(26)} ${'twCRPS < p1'.padEnd(26)} ${'Brier > p99'.padEnd(12)} Brier < p1`,
    );
    for (const [m, ms] of Object.entries(s.methods)) {
      const sc = ms.scores;
      const ens = ms.kind === 'ensemble';
      lines.push(
        `  ${m.padEnd(19)} ${iv(sc.crps).padEnd(26)} ${(ens ? iv(sc.crps_fair) : '').padEnd(26)} ${(ens ? iv(sc.crps_gaussian) : '').padEnd(26)} ${iv(sc.twcrps_upper).padEnd(26)} ${iv(sc.twcrps_lower).padEnd(26)} ${f(sc.brier_upper?.value).padEnd(12)} ${f(sc.brier_lower?.value)}`,
      );
    }
    const ref = s.reference;
    lines.push(
      `  improvement (1 − score/reference) against the strongest raw10 estimator — CRPS vs ${ref.crps?.score} (${f(ref.crps?.value)}), twCRPS > p99 vs ${ref.twcrps_upper?.score}, twCRPS < p1 vs ${ref.twcrps_lower?.score}, Brier vs raw10:`,
    );
    for (const [m, im] of Object.entries(s.improvement)) {
      if (m === 'raw10') continue;
      lines.push(
        `  ${m.padEnd(19)} CRPS ${ipct(im.crps).padEnd(24)} twCRPS>p99 ${ipct(im.twcrps_upper).padEnd(24)} twCRPS<p1 ${ipct(im.twcrps_lower).padEnd(24)} Brier>p99 ${ipct(im.brier_upper).padEnd(24)} Brier<p1 ${ipct(im.brier_lower)}`,
      );
    }
    const i = t.improvement;
    lines.push(
      `  mixed vs ${t.reference.raw5} ${pct(i.vsRaw5)}, vs EMOS point-by-point ${pct(i.vsEmosPointwise)}, vs EMOS global ${pct(i.vsEmosGlobal)}`,
      `  strongest statistical baseline: ${t.strongestBaseline.method} (CRPS ${f(t.strongestBaseline.crps)}); mixed vs it ${ipct(t.strongestBaseline.mixed)}, served ${ipct(t.strongestBaseline.served)}, served twCRPS>p99 ${ipct(t.strongestBaseline.servedTwcrpsUpper)} — ${t.strongestBaseline.closesGap ? 'it closes the gap: the served network is not better at 95 %' : 'the served network stays better at 95 %'}${
        Object.values(t.emosNotConverged).some((v) => v > 0)
          ? `; optimiser cap hit at ${Object.entries(t.emosNotConverged)
              .map(([m, v]) => `${m} ${v}`)
              .join(', ')} points`
          : ''
      }`,
      ...(t.emosNotFitted.length ? [`  EMOS variants not fitted: ${t.emosNotFitted.join(', ')}`] : []),
      `  gap raw10 → perfect50 closed (standard CRPS): mixed ${t.gapClosed === null ? '-' : pct(t.gapClosed)}, EMOS point-by-point ${t.gapClosedEmosPointwise ? `${pct(t.gapClosedEmosPointwise.subset)} (${r.members} members), ${pct(t.gapClosedEmosPointwise.all)} (all)` : '-'}; SSR mixed ${f(t.ssr.mixed)}, raw10 ${f(t.ssr.raw10)}, raw5 ${f(t.ssr.raw5)}`,
      `  events (CRPS in the labelled boxes): ${t.events.map((e) => `${e.name} (${e.points} points): mixed ${f(e.crps.mixed)}, raw10 ${f(e.crps.raw10)}`).join('; ')}`,
      `  paper-comparable extra, observation-conditioned (improper: selects on the truth): CRPS over the ${t.obsConditionedPoints} points with truth > p99 or < p1: ${Object.entries(
        t.crpsObsConditioned,
      )
        .map(([m, v]) => `${m} ${f(v)}`)
        .join(', ')}`,
      `  rank histogram raw10 [${t.rankHistogramRaw10.join(' ')}]; PIT mixed [${t.pitHistogramMixed.join(' ')}]`,
    );
  }
  return lines.join('\n');
}
