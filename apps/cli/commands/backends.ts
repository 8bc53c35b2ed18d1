import type { Command } from 'commander';
import { loadConfig } from '../../../libs/contracts/config.js';
import { listBackends, selectBackend } from '../../../libs/model/backend.js';
import { TensorThreadPool, availableThreads } from '../../../libs/model/parallel/pool.js';

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
      // The tensor threads training and inference spread over (EPP_TF_THREADS, default: the cores available),
      // started for real so the report says what each one loaded.
      const pool = await TensorThreadPool.start({
        threads: config.tfThreads ?? availableThreads(),
        backend: config.tfBackend,
      });
      const threads = {
        count: pool.threads,
        backends: pool.backends.map((b) => b.name),
        summary: pool.describe(),
      };
      await pool.close();
      if (opts.json) {
        process.stdout.write(JSON.stringify({ selected, threads, available }, null, 2) + '\n');
        return;
      }
      for (const b of available) {
        process.stdout.write(
          `${b.available ? 'yes' : 'no '}  ${b.name.padEnd(10)} ${b.package.padEnd(30)} ${b.detail}\n`,
        );
      }
      const xnn = selected.threads === undefined ? '' : ` (XNNPACK threads: ${selected.threads})`;
      process.stdout.write(`selected: ${selected.name}${xnn} — ${selected.reason}\n`);
      process.stdout.write(`tensor threads in use: ${threads.summary}\n`);
    });
}
