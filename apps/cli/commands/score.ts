import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { parseMemberSelection } from '../../../libs/ensemble/stats.js';
import { scoreFiles } from '../../../libs/scoring/files.js';
import type { Scores } from '../../../libs/scoring/types.js';
import { WEIGHT_KINDS, type WeightKind } from '../../../libs/scoring/weights.js';

export const parseNumberList = (flag: string) => (s: string) =>
  s.split(',').map((x) => {
    const v = Number(x.trim());
    if (x.trim() === '' || !Number.isFinite(v))
      throw new InvalidArgumentError(`${flag}: "${x}" is not a number`);
    return v;
  });

function formatScores(s: Scores): string {
  const num = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
  const lines = [
    `${s.kind} forecast, ${s.n} points scored, ${s.n_missing} missing${s.members ? `, ${s.members} members` : ''}, weights ${s.weights}`,
    ...(['crps', 'crps_fair', 'crps_gaussian', 'rmse', 'bias', 'spread', 'ssr'] as const).map(
      (k) => `${k.padEnd(14)} ${num(s[k])}`,
    ),
  ];
  if (s.rank_histogram) lines.push(`rank_histogram ${s.rank_histogram.join(' ')}`);
  if (s.pit_histogram) lines.push(`pit_histogram  ${s.pit_histogram.join(' ')}`);
  for (const t of Object.keys(s.brier))
    lines.push(`brier[>${t}]`.padEnd(15) + num(s.brier[t]) + `  twcrps ${num(s.twcrps[t])}`);
  return lines.join('\n');
}

/** `epp score`: verification scores of forecast files against truth files (DESIGN §2). */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('Score forecasts (ensemble or Gaussian mean/std files) against truths paired by valid time')
    .requiredOption('--forecast <files...>', 'forecast NetCDF files')
    .requiredOption('--truth <files...>', 'truth / analysis NetCDF files')
    .requiredOption('--var <name>', 'variable name')
    .option('--level <hPa>', 'pressure level', Number)
    .option('--members <list>', 'member positions, e.g. 1-5 or 1,3,5 (1-based)')
    .option(
      '--thresholds <list>',
      'comma-separated thresholds for Brier, twCRPS and reliability',
      parseNumberList('--thresholds'),
    )
    .option(
      '--weights <kind>',
      'area (default: cos(latitude) on lat–lon grids, equal on projected grids) | coslat | none',
      'area',
    )
    .option('--json', 'print the scores as JSON')
    .action(
      async (o: {
        forecast: string[];
        truth: string[];
        var: string;
        level?: number;
        members?: string;
        thresholds?: number[];
        weights: string;
        json?: boolean;
      }) => {
        if (!WEIGHT_KINDS.includes(o.weights as WeightKind))
          throw new InvalidArgumentError(`--weights must be area, coslat or none, got '${o.weights}'`);
        const scores = await scoreFiles({
          forecasts: o.forecast,
          truths: o.truth,
          variable: o.var,
          level: o.level,
          members: o.members ? parseMemberSelection(o.members) : undefined,
          thresholds: o.thresholds,
          weights: o.weights as WeightKind,
        });
        process.stdout.write((o.json ? JSON.stringify(scores, null, 2) : formatScores(scores)) + '\n');
      },
    );
}
