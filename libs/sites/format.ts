/** Plain-text table of a SiteEvaluation (the CLI's non-JSON output). */
import type { Interval, SiteEvaluation } from './evaluate.js';

const ci = (v: Interval | null) =>
  v ? `${v.mean.toFixed(4)} [${v.lo.toFixed(4)}, ${v.hi.toFixed(4)}]` : 'n/a';

export function formatEvaluation(e: SiteEvaluation, method: string): string {
  const c = e.crps;
  const lines = [
    `${e.pairs} pairs on ${e.days} days (${e.period.from} .. ${e.period.to}); skipped ${JSON.stringify(e.skipped)}`,
    `mean CRPS [bootstrap 95 % over days]`,
    `  ${method} (${e.members.model} members)`.padEnd(34) + ci(c.model),
    `  raw, all ${e.members.all}, fair`.padEnd(34) + ci(c.rawAll.fair),
    `  raw, all ${e.members.all}, standard`.padEnd(34) + ci(c.rawAll.standard),
    `  raw, K=${e.members.model}, fair`.padEnd(34) + ci(c.rawK.fair),
    `  raw, K=${e.members.model}, standard`.padEnd(34) + ci(c.rawK.standard),
    `  EMOS seasonal, all ${e.members.all}`.padEnd(34) + ci(c.emosAll),
    `  EMOS seasonal, K=${e.members.model}`.padEnd(34) + ci(c.emosK),
    `skill (1 − CRPS/ref): vs raw all fair ${ci(e.skill.vsRawAllFair)}; vs EMOS all ${ci(e.skill.vsEmosAll)}`,
    ...e.brier.map((b) => `Brier > ${b.threshold}: model ${ci(b.model)}, raw all ${ci(b.rawAll)}`),
    `PIT histogram (10 bins): ${e.pit.map((p) => p.toFixed(3)).join(' ')}`,
  ];
  for (const c of e.compare ?? [])
    lines.push(
      `  ${c.method} ${c.family} (${c.members} members) ${c.label}: CRPS ${ci(c.crps)}; skill of ${method} vs it ${ci(c.skillOfModel)}`,
    );
  if (e.emosNote) lines.push(e.emosNote);
  return lines.join('\n') + '\n';
}
