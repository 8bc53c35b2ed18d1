import type { Command } from 'commander';
import { formatInspect, inspectFile } from '../../../libs/netcdf/index.js';

/** `epp inspect FILE [--json]`: format, dimensions, variables and the ensemble member axis of a NetCDF file. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'Describe a NetCDF file: format, dimensions, variables (type, dims, attributes), member axis',
    )
    .argument('<file>', 'netCDF-3 (classic / 64-bit offset) or netCDF-4 file')
    .option('--json', 'print the description as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const report = await inspectFile(file);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatInspect(report)) + '\n');
    });
}
