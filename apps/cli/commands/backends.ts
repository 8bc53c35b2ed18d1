import type { Command } from 'commander';
import { loadConfig } from '../../../libs/contracts/config.js';
import { listBackends, selectBackend } from '../../../libs/model/backend.js';

/** `epp backends [--json]`: which tensor backends can load here and which one EPP_TF_BACKEND selects. */
export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description(
      'List the tensor backends that can load here and the one EPP_TF_BACKEND / EPP_TF_THREADS select',
    )
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig(process.env);
      const available = await listBackends();
      const selected = await selectBackend(config.tfBackend, { threads: config.tfThreads });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ selected, available }, null, 2) + '\n');
        return;
      }
      for (const b of available) {
        process.stdout.write(
          `${b.available ? 'yes' : 'no '}  ${b.name.padEnd(10)} ${b.package.padEnd(30)} ${b.detail}\n`,
        );
      }
      const threads = selected.threads === undefined ? '' : ` (threads: ${selected.threads})`;
      process.stdout.write(`selected: ${selected.name}${threads} — ${selected.reason}\n`);
    });
}
