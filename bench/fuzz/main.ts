/**
 * bench/fuzz: the seeded mutation fuzzer (harness.ts) over the real files, many cases at once.
 *   npm run build && npm run -s bench -- fuzz [--cases 5000] [--seed 1] [--format netcdf] [--jobs 1]
 *     [--timeout 10000] [--memory 1024] [--per-process 50] [--no-reference] [--keep DIR] [--json]
 *     [--max-seconds S]   (start no case after S seconds; the report covers the cases run)
 *   npm run -s bench -- fuzz --seed S [--format F] --write-case INDEX OUT    (one case's mutated file, alone)
 * Prints JSON (with --json) and tables: cases per class, per mutation kind, the reference's comparison (netCDF-C's ncdump, ecCodes' grib_get_data), and the
 * first violations. Exit status 1 when any case breaks a rule (untyped, hang, memory, crash, a file the
 * reference rejects accepted, a value that disagrees).
 */
import os from 'node:os';
import path from 'node:path';
import { printResults } from '../report.js';
import { CLASSES, runFuzz, writeCase } from './harness.js';

function flag(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

export async function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const cases = Number(flag(argv, '--cases', '500'));
  const seed = Number(flag(argv, '--seed', '1'));
  const dataDir = path.resolve(process.env.EPP_REAL_DATA ?? path.join(process.cwd(), '../shared/data/real'));
  const write = argv.indexOf('--write-case');
  if (write >= 0) {
    // Reproduce one case alone: `--write-case <index> <out>` writes the mutated file (the same bytes as in a run
    // with this seed, format and source list) and prints its source and mutation.
    const index = Number(argv[write + 1]);
    const c = writeCase(flag(argv, '--format', 'netcdf'), seed, index, dataDir, argv[write + 2]);
    process.stdout.write(
      `case ${index} (seed ${seed}): ${c.source} ${c.kind} (${c.detail}) -> ${argv[write + 2]}\n`,
    );
    return;
  }
  let last = Date.now();
  const report = await runFuzz({
    format: flag(argv, '--format', 'netcdf'),
    cases,
    seed,
    dataDir,
    jobs: Number(flag(argv, '--jobs', '1')),
    casesPerProcess: Number(flag(argv, '--per-process', '50')),
    timeoutMs: Number(flag(argv, '--timeout', '10000')),
    memoryMiB: Number(flag(argv, '--memory', '1024')),
    reference: !argv.includes('--no-reference'),
    ...(argv.includes('--max-seconds') ? { maxSeconds: Number(flag(argv, '--max-seconds', '0')) } : {}),
    keepDir: argv.includes('--keep') ? flag(argv, '--keep', '') : undefined,
    onCase: (r, done) => {
      const broken =
        !['ok', 'typed'].includes(r.class) ||
        (r.class === 'ok' && r.reference === 'rejected') ||
        (r.comparison !== undefined && r.comparison !== 'agree');
      if (broken)
        process.stderr.write(
          `fuzz: case ${r.index} ${r.class} ${r.source} ${r.kind} (${r.detail}): ${r.error ?? ''} ${r.referenceMessage ?? r.comparison ?? ''}\n`,
        );
      if (Date.now() - last > 30_000) {
        last = Date.now();
        process.stderr.write(`fuzz: ${done}/${cases} cases, load ${os.loadavg()[0].toFixed(1)}\n`);
      }
    },
  });
  const summary = { ...report, violations: report.violations.slice(0, 50) };
  printResults(
    summary,
    {
      header: ['mutation', 'cases', ...CLASSES],
      rows: [
        ...Object.entries(report.byKind)
          .sort()
          .map(([k, c]) => [k, CLASSES.reduce((s, x) => s + c[x], 0), ...CLASSES.map((x) => c[x])]),
        ['all', report.cases, ...CLASSES.map((x) => report.counts[x])],
      ],
    },
    json,
  );
  const ref = report.reference;
  printResults(
    null,
    {
      header: [`${report.referenceName} check`, 'cases'],
      rows: [
        ['checked by the reference', ref.checked],
        [`accepted by epp, rejected by ${report.referenceName}`, ref.acceptedRejected],
        ['both accepted, values agree', ref.agree],
        ['both accepted, values disagree', ref.disagree],
        [
          `refused by epp, accepted by ${report.referenceName} (of ${ref.refusedChecked} refused checked)`,
          ref.eppStricter,
        ],
        ['reference skipped (timeout/too large)', ref.skipped],
        ['errors of more than one line', report.multiLineErrors],
      ],
    },
    false,
  );
  process.stdout.write(
    `${report.cases} cases over ${report.sources.length} sources, seed ${seed}, ${report.seconds} s; ` +
      `max peak RSS ${report.maxPeakRssMiB} MiB, slowest case ${report.maxCaseMs} ms; ` +
      `load ${report.loadAverage.before.map((x) => x.toFixed(1)).join(' ')} -> ${report.loadAverage.after.map((x) => x.toFixed(1)).join(' ')}\n`,
  );
  for (const v of report.violations.slice(0, 20))
    process.stdout.write(
      `VIOLATION case ${v.index} ${v.class} ${v.source} ${v.kind} (${v.detail}): ${v.error ?? ''} ${v.reference ?? ''} ${v.comparison ?? v.referenceMessage ?? ''}\n`,
    );
  if (report.violations.length) process.exitCode = 1;
}
