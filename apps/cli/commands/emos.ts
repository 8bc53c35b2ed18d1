import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { LAYOUTS, type ProductLayoutName } from '../../../libs/contracts/jobs.js';
import { fitEmosFiles } from '../../../libs/emos/files.js';
import { applyEmosFile } from '../../../libs/pipeline/forecast/index.js';
import type { EmosDistribution, EmosPredictor } from '../../../libs/emos/types.js';
import { parseNumberList } from './score.js';

/** `epp emos fit|apply`: EMOS calibration with IMPROVER's parameterisation and file layout. */
export function registerEmos(program: Command): void {
  const emos = program.command('emos').description('EMOS (NGR) calibration: fit coefficients, apply them');
  emos
    .command('fit')
    .description('Fit EMOS coefficients by minimising the mean CRPS over forecast/truth pairs')
    .requiredOption('--forecast <files...>', 'training ensemble forecast files')
    .requiredOption('--truth <files...>', 'truth files (paired by valid time)')
    .requiredOption('--var <name>', 'variable name')
    .requiredOption('--distribution <name>', 'norm or truncnorm')
    .requiredOption('--out <file>', 'coefficients NetCDF file to write')
    .option('--level <hPa>', 'pressure level', Number)
    .option('--predictor <name>', 'mean or realizations', 'mean')
    .option('--point-by-point', 'one set of coefficients per grid point')
    .option('--land-mask <file>', 'land–sea mask file: fit land points only')
    .option('--tolerance <x>', 'optimiser gradient tolerance', Number)
    .option('--max-iterations <n>', 'optimiser iteration cap', Number)
    .option('--json', 'print the coefficients as JSON')
    .exitOverride()
    .action(
      async (o: {
        forecast: string[];
        truth: string[];
        var: string;
        distribution: string;
        out: string;
        level?: number;
        predictor: string;
        pointByPoint?: boolean;
        landMask?: string;
        tolerance?: number;
        maxIterations?: number;
        json?: boolean;
      }) => {
        const c = await fitEmosFiles({
          forecasts: o.forecast,
          truths: o.truth,
          variable: o.var,
          level: o.level,
          distribution: o.distribution as EmosDistribution,
          predictor: o.predictor as EmosPredictor,
          pointByPoint: o.pointByPoint,
          landMask: o.landMask,
          tolerance: o.tolerance,
          maxIterations: o.maxIterations,
          out: o.out,
        });
        const summary = {
          out: o.out,
          distribution: c.distribution,
          predictor: c.predictor,
          point_by_point: c.pointByPoint,
          alpha: c.pointByPoint ? null : c.alpha[0],
          beta: c.pointByPoint ? null : Array.from(c.beta),
          gamma: c.pointByPoint ? null : c.gamma[0],
          delta: c.pointByPoint ? null : c.delta[0],
          training_crps: c.crps,
          training_points: c.samples,
          iterations: c.iterations,
          converged: c.converged,
        };
        process.stdout.write(
          o.json
            ? JSON.stringify(summary, null, 2) + '\n'
            : `wrote ${o.out}: ${c.distribution} EMOS, ${c.pointByPoint ? 'point by point' : `alpha=${summary.alpha} beta=${summary.beta?.join(',')} gamma=${summary.gamma} delta=${summary.delta}`}, training CRPS ${c.crps.toPrecision(6)} (${c.samples} points, ${c.converged ? 'converged' : 'NOT converged'})\n`,
        );
      },
    );
  emos
    .command('apply')
    .description('Calibrate a forecast: mean/std, percentiles, exceedance probabilities, ECC members')
    .requiredOption('--forecast <file>', 'raw ensemble forecast file')
    .requiredOption('--coefficients <file>', 'EMOS coefficients file (epp or IMPROVER)')
    .requiredOption('--out <file>', 'calibrated product file to write')
    .option('--level <hPa>', 'pressure level', Number)
    .option('--percentiles <list>', 'e.g. 10,50,90', parseNumberList('--percentiles'))
    .option('--thresholds <list>', 'exceedance thresholds', parseNumberList('--thresholds'))
    .option('--realizations', 'also write ECC members to <out>_realizations.nc')
    .option('--layout <name>', `product layout: ${LAYOUTS.join(' or ')} (improver: one time)`, 'improver')
    .option('--model-id <id>', 'epp_model provenance label (default: the coefficients file name)')
    .option('--time <index>', 'one time index (-1 = the last); default every time', Number)
    .option('--valid-time <iso>', 'one valid time, e.g. 2017-06-05T15:00Z')
    .option('--json', 'print the files written as JSON')
    .exitOverride()
    .action(
      async (o: {
        forecast: string;
        coefficients: string;
        out: string;
        level?: number;
        percentiles?: number[];
        thresholds?: number[];
        realizations?: boolean;
        layout: string;
        modelId?: string;
        time?: number;
        validTime?: string;
        json?: boolean;
      }) => {
        if (!LAYOUTS.includes(o.layout as ProductLayoutName))
          throw new InvalidArgumentError(`--layout must be one of ${LAYOUTS.join(', ')}`);
        const written = await applyEmosFile({ ...o, layout: o.layout as ProductLayoutName });
        process.stdout.write(o.json ? JSON.stringify({ written }) + '\n' : `wrote ${written.join(', ')}\n`);
      },
    );
}
