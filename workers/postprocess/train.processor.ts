/** BullMQ sandboxed processor for the `train` queue (runs in a child process; BullMQ imports the default). */
import { processSandboxed, type SandboxJob } from './sandboxed.js';

export default async function trainProcessor(
  job: SandboxJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  return processSandboxed('train', job, signal);
}
