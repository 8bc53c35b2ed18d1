/** Where a queue's BullMQ sandboxed processor file is (next to this file in the build). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueueName } from '../../libs/contracts/jobs.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export function processorFile(queue: QueueName): string {
  return path.join(here, `${queue}.processor.js`);
}
