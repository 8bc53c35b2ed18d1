import { type Command, Option } from 'commander';
import { convertFile } from '../../../libs/netcdf/index.js';

/** `epp convert IN OUT [--format nc3|nc4]`: rewrite a NetCDF or GRIB file as CF NetCDF with decoded float values. */
export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(
      'Rewrite a NetCDF or GRIB file as CF NetCDF, keeping every dimension/variable/attribute, values decoded',
    )
    .argument('<in>', 'input file (netCDF-3, netCDF-4, or GRIB edition 1/2 laid out as cfgrib does)')
    .argument('<out>', 'output file (written atomically)')
    .addOption(new Option('--format <format>', 'output format').choices(['nc3', 'nc4']).default('nc3'))
    .option('--json', 'print the summary as JSON')
    .action(async (input: string, output: string, opts: { format: 'nc3' | 'nc4'; json?: boolean }) => {
      const s = await convertFile(input, output, { format: opts.format });
      process.stdout.write(
        opts.json
          ? JSON.stringify(s, null, 2) + '\n'
          : `${s.output}: ${s.outputFormat} from ${s.inputFormat}, ${s.dimensions} dimensions, ${s.variables} variables, ${s.missing} missing values\n`,
      );
    });
}
