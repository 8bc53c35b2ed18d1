import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { buildCaseStudyReport } from '../../../libs/pipeline/report/index.js';

const num = (flag: string) => (s: string) => {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v))
    throw new InvalidArgumentError(`${flag}: "${s}" is not a number`);
  return v;
};

interface ReportFlags {
  data?: string;
  forecast?: string[];
  truth?: string[];
  event?: string;
  bbox?: string;
  from?: string;
  to?: string;
  variable: string;
  model: string;
  out: string;
  members?: number;
  lead?: number;
  threshold?: number;
  pdf: boolean;
  title?: string;
  json?: boolean;
}

/** `epp report`: an extreme-event case study (maps, charts, scores) as self-contained HTML and PDF. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Case-study report of raw vs post-processed ensemble over an event or a region and window')
    .option(
      '--data <dir>',
      'folder with forecasts/ (or history/) and truth/ NetCDF files, and manifest.json for --event',
    )
    .option('--forecast <files...>', 'forecast NetCDF files (instead of or besides --data)')
    .option('--truth <files...>', 'truth NetCDF files (instead of or besides --data)')
    .option('--event <name>', "a labelled event of the data's manifest.json")
    .option('--bbox <W,S,E,N>', 'region in degrees (default: the whole grid)')
    .option('--from <time>', 'first valid time (ISO date or time)')
    .option('--to <time>', 'last valid time (ISO; a bare date covers the whole day)')
    .requiredOption('--variable <name>', 'variable, e.g. t850 (t at 850 hPa) or air_temperature')
    .requiredOption(
      '--model <emos|dir>',
      'emos (fitted on data before / outside the window) or a trained model folder',
    )
    .requiredOption('--out <dir>', 'output folder (report.html, report.pdf, scores.json)')
    .option('--members <k>', 'raw subset size (first k members)', num('--members'))
    .option('--lead <hours>', 'lead time in hours (default: the longest available)', num('--lead'))
    .option(
      '--threshold <value>',
      'event threshold (default: 90th percentile of the truth)',
      num('--threshold'),
    )
    .option('--no-pdf', 'skip the PDF')
    .option('--title <text>', 'report title')
    .option('--json', 'print the result (paths and scores) as JSON')
    .action(async (o: ReportFlags) => {
      const bar = o.json
        ? null
        : new SingleBar(
            { format: 'report [{bar}] {percentage}% {step}', hideCursor: true },
            Presets.shades_classic,
          );
      bar?.start(100, 0, { step: '' });
      try {
        const r = await buildCaseStudyReport(
          {
            data: o.data,
            forecast: o.forecast,
            truth: o.truth,
            event: o.event,
            bbox: o.bbox,
            from: o.from,
            to: o.to,
            variable: o.variable,
            model: o.model,
            out: o.out,
            members: o.members,
            leadHours: o.lead,
            threshold: o.threshold,
            pdf: o.pdf,
            title: o.title,
          },
          (f, step) => bar?.update(Math.round(f * 100), { step }),
        );
        bar?.stop();
        if (o.json) {
          process.stdout.write(JSON.stringify(r, null, 2) + '\n');
          return;
        }
        const lines = [
          `html   ${r.html}`,
          `json   ${r.json}`,
          r.pdf ? `pdf    ${r.pdf}` : `pdf    not produced: ${r.pdfSkipped}`,
        ];
        const ref = r.scores[0].crps;
        for (const s of r.scores)
          lines.push(
            `${s.label.padEnd(16)} CRPS ${s.crps.toPrecision(5)}  skill ${((1 - s.crps / ref) * 100).toFixed(1)} %  n ${s.n}`,
          );
        for (const w of r.warnings) lines.push(`warning: ${w}`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        bar?.stop();
      }
    });
}
