/**
 * Cancelling a running job with Redis: the API publishes the job id on `<prefix>:epp:cancel`
 * (cancelChannel); every worker process listens, and the one running that job aborts it with BullMQ's
 * `Worker.cancelJob` — its sandboxed child receives the abort signal, fails the job as unrecoverable
 * (CANCELLED, no retry) and exits (workers/postprocess/sandboxed.ts).
 */
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type pino from 'pino';
import type { EppConfig } from '../../libs/contracts/config.js';
import { cancelChannel } from '../../libs/contracts/jobs.js';

export async function listenForCancels(
  config: EppConfig,
  workers: Worker[],
  log: pino.Logger,
): Promise<() => Promise<void>> {
  const sub = new Redis(config.redisUrl!, { maxRetriesPerRequest: null });
  sub.on('error', (err) => log.warn({ err: err.message }, 'cancel listener connection error'));
  const channel = cancelChannel(config.queuePrefix);
  sub.on('message', (ch: string, id: string) => {
    if (ch !== channel) return;
    for (const w of workers)
      if (w.cancelJob(id, 'cancelled through the API')) log.info({ queue: w.name, job: id }, 'job cancelled');
  });
  await sub.subscribe(channel);
  return async () => {
    try {
      await sub.quit();
    } catch {
      sub.disconnect();
    }
  };
}
