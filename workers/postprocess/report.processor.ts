/** BullMQ sandboxed processor for the `report` queue (runs in a child process; BullMQ imports the default). */
import { processSandboxed, type SandboxJob } from './sandboxed.js';

export default async function reportProcessor(
  job: SandboxJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  return processSandboxed('report', job, signal);
}
