import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { parseMemberSelection } from '../../../libs/ensemble/stats.js';
import { selectBackend, type BackendKind } from '../../../libs/model/backend.js';
import {
  postprocessWithModel,
  type AnalysisSpec,
  type Product,
} from '../../../libs/pipeline/forecast/index.js';

const nums = (s: string | undefined, name: string) =>
  s?.split(',').map((x) => {
    const v = Number(x);
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`--${name}: '${x}' is not a number`);
    return v;
  });

/** `--analysis FILE` and/or `--analysis-variables z=z_an,t=t_an` → the analysis spec (none = fallback). */
function analysisOption(file?: string, vars?: string): AnalysisSpec | undefined {
  if (file === undefined && vars === undefined) return undefined;
  const variables = vars?.split(',').map((pair) => {
    const [k, v, ...rest] = pair.split('=').map((x) => x.trim());
    if (!k || !v || rest.length)
      throw new InvalidArgumentError(`--analysis-variables: '${pair}' is not predictor=variable`);
    return [k, v] as const;
  });
  return {
    ...(file !== undefined ? { path: file } : {}),
    ...(variables ? { variables: Object.fromEntries(variables) } : {}),
  };
}

/** `epp postprocess`: calibrated products of the mixed model for one forecast file (DESIGN §2–3). */
export function registerPostprocess(program: Command): void {
  program
    .command('postprocess')
    .description('Run the mixed model on a forecast file and write calibrated CF products')
    .requiredOption('--model <dir>', 'model folder (manifest.json)')
    .requiredOption(
      '--forecast <file>',
      'forecast NetCDF (members × levels × lat × lon, with or without step)',
    )
    .requiredOption('--out <file>', 'output NetCDF')
    .option('--products <list>', 'mean,std,percentiles,probabilities,realizations', 'mean,std')
    .option('--percentiles <list>', 'e.g. 10,50,90')
    .option('--thresholds <list>', 'thresholds for probabilities (units of the variable)')
    .option('--variable <name>', 'one target variable only (e.g. t)')
    .option('--level <hPa>', 'its level (e.g. 850)')
    .option('--members <sel>', 'member ids forming the subset (e.g. 0-4); default the first k')
    .option(
      '--analysis <file>',
      'analysis at the initialisation time (z, t at the model levels, same grid); default: the subset mean at step 0 (fallback, stated in the output)',
    )
    .option(
      '--analysis-variables <map>',
      'the analysis variables per predictor, e.g. z=z_an,t=t_an (in --analysis, else in the forecast file)',
    )
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', process.env.EPP_TF_BACKEND ?? 'auto')
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        model: string;
        forecast: string;
        out: string;
        products: string;
        percentiles?: string;
        thresholds?: string;
        variable?: string;
        level?: string;
        members?: string;
        analysis?: string;
        analysisVariables?: string;
        backend: string;
        json?: boolean;
      }) => {
        await selectBackend(o.backend as BackendKind, { log: (m) => process.stderr.write(m + '\n') });
        const r = await postprocessWithModel({
          modelDir: o.model,
          forecastPath: o.forecast,
          outPath: o.out,
          products: o.products.split(',').map((p) => p.trim()) as Product[],
          percentiles: nums(o.percentiles, 'percentiles'),
          thresholds: nums(o.thresholds, 'thresholds'),
          variable: o.variable,
          level: o.level === undefined ? undefined : Number(o.level),
          members: o.members ? parseMemberSelection(o.members) : undefined,
          analysis: analysisOption(o.analysis, o.analysisVariables),
        });
        if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else
          process.stdout.write(
            `wrote ${r.files.join(', ')}: ${r.targets.join(', ')} × ${r.samples} time(s), ${r.msPerSample.toFixed(0)} ms per sample, min σ ${r.sigmaMin.toPrecision(3)}\n`,
          );
      },
    );
}
