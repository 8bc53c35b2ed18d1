// Markdown table of the sites acceptance evaluations: node scripts/sites-table.mjs OUT_DIR
import { readdirSync, readFileSync } from 'node:fs';
const dir = process.argv[2];
const ci = (v) => (v ? `${v.mean.toFixed(4)} [${v.lo.toFixed(4)}, ${v.hi.toFixed(4)}]` : 'n/a');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.eval.json'))
  .sort();
const byArchive = {};
for (const f of files) {
  const [archive] = f.split(/-(emos|drn)/);
  (byArchive[archive] ??= []).push([
    f.replace(`${archive}-`, '').replace('.eval.json', ''),
    JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')),
  ]);
}
for (const [archive, rows] of Object.entries(byArchive)) {
  const e0 = rows[0][1];
  console.log(
    `\n#### ${archive}: test ${e0.period.from} .. ${e0.period.to}, ${e0.pairs} pairs on ${e0.days} days\n`,
  );
  // PIT flatness: the largest deviation of a PIT-histogram bin (10 bins) from 0.1, the flat value.
  const pitDev = (e) => Math.max(...e.pit.map((p) => Math.abs(p - 0.1))).toFixed(3);
  console.log('| forecast | members | mean CRPS [95 % CI over days] | PIT max abs(bin − 0.1) |');
  console.log('|---|---|---|---|');
  console.log(`| raw ensemble, fair | ${e0.members.all} | ${ci(e0.crps.rawAll.fair)} | |`);
  console.log(`| raw ensemble, standard | ${e0.members.all} | ${ci(e0.crps.rawAll.standard)} | |`);
  const drn = rows.find(([n]) => n === 'drn')?.[1];
  if (drn) {
    console.log(`| raw ensemble, fair | ${drn.members.model} | ${ci(drn.crps.rawK.fair)} | |`);
    console.log(`| raw ensemble, standard | ${drn.members.model} | ${ci(drn.crps.rawK.standard)} | |`);
  }
  for (const [name, e] of rows)
    console.log(`| ${name} | ${e.members.model} | ${ci(e.crps.model)} | ${pitDev(e)} |`);
  // Every model's Brier score and reliability at the first threshold (P > 0.1 mm for precipitation).
  for (const [name, e] of rows) {
    const b = e.brier[0];
    if (!b) continue;
    console.log(
      `${name} Brier > ${b.threshold}: ${ci(b.model)}; reliability (forecast→observed [95 % CI], n): ${b.reliability
        .filter((r) => r.count)
        .map(
          (r) =>
            `${r.forecast.toFixed(2)}→${r.observed.toFixed(2)} [${(r.observedLo ?? NaN).toFixed(2)}, ${(r.observedHi ?? NaN).toFixed(2)}] (${r.count})`,
        )
        .join(', ')}`,
    );
  }
  if (drn) {
    console.log(
      `\nDRN skill vs raw all (fair): ${ci(drn.skill.vsRawAllFair)}; vs EMOS seasonal (+extras) all members refitted by evaluate: ${ci(drn.skill.vsEmosAll)}`,
    );
    // Paired skill against each EMOS of the archive (sites evaluate --compare; same pairs, same day resamples).
    for (const c of drn.compare ?? [])
      console.log(
        `DRN skill vs ${c.label.split('/').pop()} (${c.family}, ${c.members} members, CRPS ${ci(c.crps)}): ${ci(c.skillOfModel)}`,
      );
    console.log(`DRN PIT (10 bins): ${drn.pit.map((p) => p.toFixed(3)).join(' ')}`);
    for (const b of drn.brier) {
      console.log(
        `DRN Brier > ${b.threshold}: ${ci(b.model)} (raw all ${ci(b.rawAll)}); reliability (forecast→observed, n): ${b.reliability
          .filter((r) => r.count)
          .map((r) => `${r.forecast.toFixed(2)}→${r.observed.toFixed(2)} (${r.count})`)
          .join(', ')}`,
      );
    }
  }
}
