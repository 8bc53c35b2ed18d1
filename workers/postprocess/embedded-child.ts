/**
 * A job process of the embedded mode: the API forks it and sends `{type: 'run', queue, id, data}`; it
 * runs the queue's BullMQ sandboxed processor file (the same code a Redis worker runs) and answers with
 * `progress`, then `done` or `error` messages. One job at a time; the API reuses an idle process for the
 * next job and kills it (SIGKILL) to cancel.
 */
import { processorFile } from './processor-file.js';

interface RunMessage {
  type: 'run';
  queue: string;
  id: string;
  data: unknown;
}

type Processor = (job: {
  id?: string;
  data: unknown;
  updateProgress(value: number): Promise<void>;
}) => Promise<unknown>;

const send = (m: unknown) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(m, () => resolve());
  });

process.on('message', (m: RunMessage) => {
  if (m?.type !== 'run') return;
  void (async () => {
    try {
      const mod = (await import(processorFile(m.queue as 'forecast'))) as { default: Processor };
      const result = await mod.default({
        id: m.id,
        data: m.data,
        updateProgress: (value) => send({ type: 'progress', value }),
      });
      await send({ type: 'done', result });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      await send({ type: 'error', name: e.name, message: e.message });
    }
  })();
});
// The parent going away ends this process too.
process.on('disconnect', () => process.exit(0));
