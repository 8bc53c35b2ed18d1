import type { Command } from 'commander';
import { formatGribSummary, summarizeGrib } from '../../../libs/grib/index.js';
import { formatInspect, inspectFile } from '../../../libs/netcdf/index.js';

/** `epp inspect FILE [--json]`: format, dimensions, variables and the ensemble member axis of a NetCDF or GRIB file. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'Describe a NetCDF or GRIB file: format, dimensions, variables (type, dims, attributes), member axis; for GRIB also its parameters, levels, members and steps',
    )
    .argument('<file>', 'netCDF-3 (classic / 64-bit offset), netCDF-4 or GRIB edition 1/2 file')
    .option('--json', 'print the description as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const report = await inspectFile(file);
      const grib = report.format.startsWith('grib') ? await summarizeGrib(file) : undefined;
      const text = opts.json
        ? JSON.stringify(grib ? { ...report, grib } : report, null, 2)
        : formatInspect(report) + (grib ? `\n${formatGribSummary(grib)}` : '');
      process.stdout.write(text + '\n');
    });
}
