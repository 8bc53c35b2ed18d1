/** Embedded mode wiring: EPP_BATCH_CRON puts a `batch` job on the in-process batch queue at each fire time. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedJobQueues } from '../../../apps/api/queue/embedded-job-queues.js';
import { loadConfig } from '../../../libs/contracts/config.js';

test('an every-second cron submits scheduled batch jobs; close() stops the schedule', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-cron-'));
  const q = new EmbeddedJobQueues(loadConfig({ EPP_DATA_DIR: dataDir, EPP_BATCH_CRON: '* * * * * *' }));
  try {
    const deadline = Date.now() + 5000;
    let c = (await q.counts()).batch;
    while (c.queued + c.active + c.completed + c.failed === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      c = (await q.counts()).batch;
    }
    expect(c.queued + c.active + c.completed + c.failed).toBeGreaterThanOrEqual(1);
  } finally {
    await q.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
