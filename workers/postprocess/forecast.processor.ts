/** BullMQ sandboxed processor for the `forecast` queue (runs in a child process; BullMQ imports the default). */
import { processSandboxed, type SandboxJob } from './sandboxed.js';

export default async function forecastProcessor(
  job: SandboxJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  return processSandboxed('forecast', job, signal);
}
