/** `epp batch run`: one nightly batch by hand, through the in-process path (no Redis needed). */
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../../libs/contracts/config.js';
import { inProcessExecutor } from '../../../libs/service/batch-in-process.js';
import { NightlyBatch, unprocessedJobs, type BatchRunRecord } from '../../../libs/pipeline/batch/index.js';
import { InProcessQueue } from '../../../libs/service/in-process-queue.js';
import { runJob } from '../../../libs/service/run-job.js';

/** Exit status of `epp batch run` when the run completed but some (file, target) is left unprocessed. */
export const EXIT_BATCH_FILES_FAILED = 3;

/** 0: every planned job processed (or nothing to do); 1: the run itself failed; 3: some files failed. */
export function batchExitCode(r: BatchRunRecord): number {
  if (r.status === 'failed') return 1;
  return unprocessedJobs(r).length ? EXIT_BATCH_FILES_FAILED : 0;
}

function summary(r: BatchRunRecord): string {
  const failed = unprocessedJobs(r);
  const processed = r.jobs.filter((j) => j.status === 'processed').length;
  const fellBack = r.jobs.filter((j) => j.fallbackTo);
  const byId = new Map(r.jobs.map((j) => [j.id, j]));
  const lines = [
    `batch ${r.id} ${r.status} in ${r.durationMs} ms (as of ${r.date}): ${r.scanned.forecasts} forecast files, ${r.scanned.truths} truth files`,
    ...Object.entries(r.methods).map(
      ([t, m]) =>
        `  ${t}: ${m.method}${m.model ? ` (model ${m.model})` : ''}${m.fallbacks?.length ? `, falling back per file to ${m.fallbacks.map((f) => f.method).join(' → ')}` : ''}`,
    ),
    `  jobs: ${processed} processed, ${failed.length} failed${fellBack.length ? `, ${fellBack.length} fell back to the next method` : ''}`,
    ...fellBack.map(
      (j) =>
        `    ${j.file} ${j.target}: ${j.method} failed (${j.error?.code}: ${j.error?.message}); ${byId.get(j.fallbackTo!)?.method ?? '?'} instead`,
    ),
    ...failed.map((j) => `    ${j.file} ${j.target}: ${j.error?.code}: ${j.error?.message}`),
    `  verified: ${r.verifications.filter((v) => v.status === 'verified').length}`,
    ...r.verifications.map((v) =>
      v.crps
        ? `    ${v.file} ${v.target}: CRPS raw10 ${v.crps.raw10.toPrecision(5)}, raw5 ${v.crps.raw5.toPrecision(5)}, post-processed ${v.crps.postprocessed.toPrecision(5)} (skill ${(100 * v.crps.skill).toFixed(1)} %)`
        : `    ${v.file} ${v.target}: ${v.error?.code}: ${v.error?.message}`,
    ),
  ];
  if (r.error) lines.push(`  error: ${r.error.code}: ${r.error.message}`);
  return lines.join('\n');
}

export function registerBatch(program: Command): void {
  const batch = program.command('batch').description('the nightly batch: post-process the inbox, verify');
  batch
    .command('run')
    .description(
      'run one batch now: post-process new files under <data>/inbox/forecasts (t850, z500), verify earlier ones whose truth is under <data>/inbox/truth. Exit status: 0 every file processed (or none new), 1 the run failed, 2 bad input, 3 some files failed after the mixed → emos → raw fallbacks',
    )
    .option(
      '--date <YYYY-MM-DD>',
      'as-of date: truths valid after this day are not used yet (default today, UTC)',
    )
    .option('--data-dir <dir>', 'data root (default EPP_DATA_DIR or ./data)')
    .option('--json', 'print the run record as JSON')
    .action(async (o: { date?: string; dataDir?: string; json?: boolean }) => {
      const dataDir = o.dataDir ? path.resolve(o.dataDir) : loadConfig().dataDir;
      const forecast = new InProcessQueue({
        name: 'forecast',
        concurrency: 1,
        attempts: 1,
        backoffMs: 0,
        retentionMs: 3600_000,
        run: (queue, data, ctx) => runJob(queue, data, { dataDir, ...ctx }),
      });
      const bar =
        !o.json && process.stderr.isTTY
          ? new SingleBar(
              { format: 'batch [{bar}] {percentage}% {stage}', stream: process.stderr, hideCursor: true },
              Presets.shades_classic,
            )
          : null;
      bar?.start(100, 0, { stage: 'scanning' });
      try {
        const record = await new NightlyBatch({ dataDir }).run(inProcessExecutor(forecast), {
          ...(o.date ? { date: o.date } : {}),
          trigger: 'cli',
          onProgress: (f, stage) => bar?.update(Math.round(f * 100), { stage: stage ?? '' }),
        });
        bar?.stop();
        process.stdout.write(o.json ? JSON.stringify(record, null, 2) + '\n' : summary(record) + '\n');
        process.exitCode = batchExitCode(record);
      } finally {
        bar?.stop();
        await forecast.close();
      }
    });
}
