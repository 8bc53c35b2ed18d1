import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { loadConfig } from '../../../libs/contracts/config.js';
import { selectBackend } from '../../../libs/model/backend.js';
import { evaluateSiteFiles, fitSiteFiles, predictSiteFiles } from '../../../libs/sites/files.js';
import { formatEvaluation } from '../../../libs/sites/format.js';
import { distributionOf } from '../../../libs/sites/predictionFile.js';
import { SITE_FAMILIES, type SiteFamily } from '../../../libs/sites/types.js';
import { parseNumberList } from './score.js';

const parseIso = (flag: string) => (s: string) => {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s.trim()))
    throw new InvalidArgumentError(
      `${flag}: "${s}" is not an ISO 8601 date/time (e.g. 2013-01-01 or 2013-01-01T06:00Z)`,
    );
  const t = Date.parse(/T/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`${flag}: "${s}" is not a valid date/time`);
  return t / 1000;
};

const parseMembers = (s: string): number | number[] => {
  const t = s.trim();
  if (/^\d+$/.test(t)) {
    const k = Number(t);
    if (k < 1) throw new InvalidArgumentError(`--members: must be ≥ 1, got ${k}`);
    return k;
  }
  if (!/^\d+(,\d+)*$/.test(t))
    throw new InvalidArgumentError(
      `--members: "${s}" is neither a count K nor a list of realization numbers (e.g. 0,1,2)`,
    );
  return t.split(',').map(Number);
};

const parsePositiveInt = (flag: string) => (s: string) => {
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || v < 1)
    throw new InvalidArgumentError(`${flag}: "${s}" is not a positive integer`);
  return v;
};

/** `epp sites fit|predict|evaluate`: calibrated site (station) forecasts from K members (libs/sites). */
export function registerSites(program: Command): void {
  const sites = program
    .command('sites')
    .description('Site (station) ensembles: fit, predict and evaluate EMOS / DRN models');
  sites
    .command('fit')
    .description('Fit a site model (emos or drn) on the training period')
    .requiredOption('--forecast <file>', 'CF timeSeries ensemble forecast file')
    .requiredOption(
      '--observations <file>',
      'observations: CF timeSeries NetCDF or CSV station_id,time,<var>',
    )
    .requiredOption('--variable <name>', 'variable name, e.g. precipitation_amount')
    .requiredOption('--method <name>', 'emos or drn')
    .requiredOption('--members <K|list>', 'first K members, or a list of realization numbers', parseMembers)
    .option(
      '--train-from <iso>',
      'first validity time of the training period (inclusive)',
      parseIso('--train-from'),
    )
    .requiredOption(
      '--train-to <iso>',
      'end of the training period (exclusive, by validity time)',
      parseIso('--train-to'),
    )
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--distribution <name>', `${SITE_FAMILIES.join(', ')} (default from standard_name)`)
    .option('--no-seasonal', 'emos: no annual harmonics')
    .option('--no-extras', 'do not use extra forecasts (e.g. HRES) as predictors')
    .option(
      '--per-station <yes|no>',
      'emos: per-station coefficients (default: when every station has ≥ 60 pairs)',
    )
    .option('--seeds <n>', 'drn: networks averaged', parsePositiveInt('--seeds'))
    .option('--epochs <n>', 'drn: maximum epochs', parsePositiveInt('--epochs'))
    .option(
      '--output <kind>',
      "drn: parametric (the distribution's parameters, default) or bernstein (a Bernstein quantile network)",
    )
    .option(
      '--degree <d>',
      'drn --output bernstein: degree of the quantile function (default 12)',
      parsePositiveInt('--degree'),
    )
    .option('--json', 'print a JSON summary')
    .exitOverride()
    .action(
      async (o: {
        forecast: string;
        observations: string;
        variable: string;
        method: string;
        members: number | number[];
        trainFrom?: number;
        trainTo: number;
        out: string;
        distribution?: SiteFamily;
        seasonal: boolean;
        extras: boolean;
        perStation?: string;
        seeds?: number;
        epochs?: number;
        output?: string;
        degree?: number;
        json?: boolean;
      }) => {
        if (o.method !== 'emos' && o.method !== 'drn')
          throw new InvalidArgumentError(`--method must be emos or drn, got "${o.method}"`);
        if (o.distribution !== undefined && !SITE_FAMILIES.includes(o.distribution))
          throw new InvalidArgumentError(
            `--distribution must be one of ${SITE_FAMILIES.join(', ')}, got "${String(o.distribution)}"`,
          );
        if (o.output !== undefined && o.output !== 'parametric' && o.output !== 'bernstein')
          throw new InvalidArgumentError(`--output must be parametric or bernstein, got "${o.output}"`);
        if ((o.output !== undefined || o.degree !== undefined) && o.method !== 'drn')
          throw new InvalidArgumentError('--output and --degree are drn options (--method drn)');
        if (o.degree !== undefined && o.output !== 'bernstein')
          throw new InvalidArgumentError('--degree needs --output bernstein');
        if (o.perStation !== undefined && o.perStation !== 'yes' && o.perStation !== 'no')
          throw new InvalidArgumentError(`--per-station must be yes or no, got "${o.perStation}"`);
        if (o.method === 'drn') {
          const config = loadConfig(process.env);
          await selectBackend(config.tfBackend, { threads: config.tfThreads });
        }
        const tty = process.stderr.isTTY;
        const { model, hash } = await fitSiteFiles({
          forecast: o.forecast,
          observations: o.observations,
          variable: o.variable,
          method: o.method,
          members: o.members,
          trainFrom: o.trainFrom,
          trainTo: o.trainTo,
          out: o.out,
          family: o.distribution,
          seasonal: o.seasonal,
          useExtras: o.extras,
          perStation: o.perStation === undefined ? undefined : o.perStation === 'yes',
          drn: {
            ...(o.seeds ? { seeds: o.seeds } : {}),
            ...(o.epochs ? { maxEpochs: o.epochs } : {}),
            ...(o.output ? { output: o.output } : {}),
            ...(o.degree ? { degree: o.degree } : {}),
          },
          onProgress: (p) => {
            const frac = p.epoch / p.maxEpochs;
            const bar = '#'.repeat(Math.round(frac * 20)).padEnd(20, '.');
            const line = `drn seed ${p.seed + 1}/${p.seeds} ${p.phase} [${bar}] epoch ${p.epoch}${p.validationCrps !== undefined ? ` validation CRPS ${p.validationCrps.toFixed(4)}` : ''}`;
            if (tty) process.stderr.write(`\r${line}\x1b[K`);
            else if (p.phase === 'refit' && p.epoch === p.maxEpochs) process.stderr.write(`${line}\n`);
          },
        });
        if (tty && o.method === 'drn') process.stderr.write('\n');
        const summary = {
          out: o.out,
          model_hash: hash,
          method: model.method,
          distribution: distributionOf(model),
          members: model.members,
          extras: model.extras,
          train_from: model.trainFrom,
          train_to: model.trainTo,
          training_pairs: model.training.pairs,
          skipped: model.training.skipped,
          training_crps: model.emos?.trainingCrps ?? null,
          drn_epochs: model.drn?.nets.map((n) => n.epochs) ?? null,
          drn_validation_crps: model.drn?.nets.map((n) => n.validationCrps) ?? null,
        };
        process.stdout.write(
          o.json
            ? JSON.stringify(summary, null, 2) + '\n'
            : `wrote ${o.out}: ${model.method} (${distributionOf(model)}), ${model.members.length} members, ${model.training.pairs} training pairs${model.emos ? `, training CRPS ${model.emos.trainingCrps.toFixed(4)}` : ''}${model.drn ? `, epochs ${summary.drn_epochs!.join(',')}` : ''}\n`,
        );
      },
    );
  sites
    .command('predict')
    .description('Predict percentiles, mean, std and exceedance probabilities at the stations')
    .requiredOption('--model <dir>', 'site model folder (from sites fit)')
    .requiredOption('--forecast <file>', 'CF timeSeries ensemble forecast file')
    .option('--from <iso>', 'first validity time (inclusive)', parseIso('--from'))
    .option('--to <iso>', 'end validity time (exclusive)', parseIso('--to'))
    .requiredOption('--out <file>', 'prediction NetCDF file to write')
    .option(
      '--thresholds <list>',
      'exceedance thresholds (precipitation default 0.1,1,5,10)',
      parseNumberList('--thresholds'),
    )
    .option('--json', 'print a JSON summary')
    .exitOverride()
    .action(
      async (o: {
        model: string;
        forecast: string;
        from?: number;
        to?: number;
        out: string;
        thresholds?: number[];
        json?: boolean;
      }) => {
        if (o.from !== undefined && o.to !== undefined && !(o.from < o.to))
          throw new InvalidArgumentError('--from must be before --to');
        const {
          prediction: p,
          model,
          hash,
        } = await predictSiteFiles({
          model: o.model,
          forecast: o.forecast,
          out: o.out,
          period: { from: o.from, to: o.to },
          thresholds: o.thresholds,
        });
        const summary = {
          out: o.out,
          model_hash: hash,
          method: model.method,
          times: p.times.length,
          stations: p.stations.id.length,
          thresholds: p.thresholds,
          predicted: p.mu.reduce((a, v) => a + (Number.isFinite(v) ? 1 : 0), 0),
        };
        process.stdout.write(
          o.json
            ? JSON.stringify(summary, null, 2) + '\n'
            : `wrote ${o.out}: ${summary.times} times × ${summary.stations} stations (${summary.predicted} predicted)\n`,
        );
      },
    );
  sites
    .command('evaluate')
    .description('CRPS (model, raw all/K standard+fair, EMOS), Brier + reliability, PIT, bootstrap intervals')
    .requiredOption('--model <dir>', 'site model folder')
    .requiredOption('--forecast <file>', 'CF timeSeries ensemble forecast file')
    .requiredOption('--observations <file>', 'observations (NetCDF or CSV)')
    .requiredOption('--from <iso>', 'first validity time (inclusive)', parseIso('--from'))
    .requiredOption('--to <iso>', 'end validity time (exclusive)', parseIso('--to'))
    .option('--thresholds <list>', 'Brier thresholds', parseNumberList('--thresholds'))
    .option('--compare <dirs>', 'other site model folders (comma-separated) scored on the same pairs')
    .option('--json', 'print the evaluation as JSON')
    .exitOverride()
    .action(
      async (o: {
        model: string;
        forecast: string;
        observations: string;
        from: number;
        to: number;
        thresholds?: number[];
        compare?: string;
        json?: boolean;
      }) => {
        if (!(o.from < o.to)) throw new InvalidArgumentError('--from must be before --to');
        const { evaluation, model, hash } = await evaluateSiteFiles({
          model: o.model,
          forecast: o.forecast,
          observations: o.observations,
          period: { from: o.from, to: o.to },
          thresholds: o.thresholds,
          compare: o.compare?.split(',').filter((d) => d !== ''),
        });
        process.stdout.write(
          o.json
            ? JSON.stringify({ model_hash: hash, method: model.method, ...evaluation }, null, 2) + '\n'
            : formatEvaluation(evaluation, model.method),
        );
      },
    );
}
