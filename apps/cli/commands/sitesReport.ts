import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { loadConfig } from '../../../libs/contracts/config.js';
import { selectBackend } from '../../../libs/model/backend.js';
import { buildSiteCaseReport } from '../../../libs/pipeline/report/index.js';
import type { SiteMethod } from '../../../libs/sites/index.js';

const int = (flag: string, lo: number, hi: number) => (s: string) => {
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || v < lo || v > hi)
    throw new InvalidArgumentError(`${flag}: "${s}" is not an integer in [${lo}, ${hi}]`);
  return v;
};

interface Flags {
  forecast: string;
  observations: string;
  variable: string;
  out: string;
  members?: number;
  events?: number;
  extreme?: string;
  window?: number;
  from?: string;
  to?: string;
  methods?: string;
  seeds?: number;
  pdf: boolean;
  title?: string;
  json?: boolean;
}

/** `epp sites report`: a case study of the most extreme observed days of a station archive. */
export function registerSitesReport(program: Command): void {
  const sites = program.commands.find((c) => c.name() === 'sites');
  if (!sites) throw new Error('register the sites command first');
  sites
    .command('report')
    .description(
      'Case study of the most extreme observed days: fan charts, P(event), twCRPS and Brier of raw (all and K members), EMOS and DRN fitted without each event’s year',
    )
    .requiredOption('--forecast <file>', 'CF timeSeries ensemble forecast file')
    .requiredOption('--observations <file>', 'observations: CF timeSeries NetCDF or CSV')
    .requiredOption('--variable <name>', 'variable, e.g. precipitation_amount')
    .requiredOption('--out <dir>', 'output folder (report.html, report.pdf, scores.json)')
    .option(
      '--members <K>',
      'subset size K for the DRN (default: half the members)',
      int('--members', 2, 10000),
    )
    .option('--events <n>', 'number of events (default 5)', int('--events', 1, 20))
    .option('--extreme <max|min>', 'heaviest (max, default for precipitation) or lowest (min) days')
    .option('--window <days>', 'days shown on each side of an event (default 5)', int('--window', 1, 30))
    .option('--from <time>', 'first validity time searched for events (ISO)')
    .option('--to <time>', 'last validity time searched (ISO; a bare date covers that day)')
    .option('--methods <list>', 'post-processing methods (default emos,drn)')
    .option('--seeds <n>', 'drn: networks averaged per fit', int('--seeds', 1, 20))
    .option('--no-pdf', 'skip the PDF')
    .option('--title <text>', 'report title')
    .option('--json', 'print the result (paths, events and scores) as JSON')
    .action(async (o: Flags) => {
      if (o.extreme !== undefined && o.extreme !== 'max' && o.extreme !== 'min')
        throw new InvalidArgumentError(`--extreme must be max or min, got "${o.extreme}"`);
      const methods = o.methods?.split(',').map((m) => m.trim());
      for (const m of methods ?? [])
        if (m !== 'emos' && m !== 'drn')
          throw new InvalidArgumentError(`--methods: "${m}" is not emos or drn`);
      const config = loadConfig();
      await selectBackend(config.tfBackend, { threads: config.tfThreads });
      const bar = o.json
        ? null
        : new SingleBar(
            { format: 'sites report [{bar}] {percentage}% {step}', hideCursor: true },
            Presets.shades_classic,
          );
      bar?.start(100, 0, { step: '' });
      try {
        const r = await buildSiteCaseReport(
          {
            forecast: o.forecast,
            observations: o.observations,
            variable: o.variable,
            out: o.out,
            members: o.members,
            events: o.events,
            tail: o.extreme === undefined ? undefined : o.extreme === 'max' ? 'upper' : 'lower',
            windowDays: o.window,
            from: o.from,
            to: o.to,
            methods: methods as SiteMethod[] | undefined,
            drn: o.seeds ? { seeds: o.seeds } : undefined,
            pdf: o.pdf,
            title: o.title,
          },
          (f, step) => bar?.update(Math.round(f * 100), { step }),
        );
        bar?.stop();
        const out = {
          html: r.html,
          json: r.json,
          pdf: r.pdf,
          events: r.result.events.map(({ window: _w, ...e }) => e),
          scores: r.result.scores,
          warnings: r.warnings,
        };
        if (o.json) console.log(JSON.stringify(out, null, 2));
        else {
          for (const s of r.result.systems) {
            const v = r.result.scores[s.key];
            console.log(
              `${s.label.padEnd(22)} CRPS ${v.crps.mean.toPrecision(4)}  twCRPS ${v.twcrps.mean.toPrecision(4)}  Brier ${v.brier.mean.toPrecision(3)}  days ${v.days}`,
            );
          }
          console.log(`html   ${r.html}\njson   ${r.json}${r.pdf ? `\npdf    ${r.pdf}` : ''}`);
          for (const w of r.warnings) console.log(`warning: ${w}`);
        }
      } finally {
        bar?.stop();
      }
    });
}
