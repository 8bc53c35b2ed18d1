/**
 * What a job leaves under the data root, for cancel and delete: a forecast's `outputs/<id>/` and its
 * temporary `outputs/.tmp-<id>-*` folders, a report's `outputs/<id>/`, a training job's temporary
 * folders under `models/<model>/`. A model version a training job published is never removed with the
 * job (the model is the user's, not the job's). Batch jobs keep their run records (batch/runs/), which are
 * history.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { queueOfJobId } from '../contracts/jobs.js';
import { resolveInRoot } from './data-root.js';

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function removeMatching(dir: string, test: (name: string) => boolean): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir))
    if (test(name)) rmSync(path.join(dir, name), { recursive: true, force: true });
}

export function discardJobOutputs(dataDir: string, id: string, data: unknown): void {
  if (!SAFE_ID.test(id)) return;
  const queue = queueOfJobId(id);
  const outputs = resolveInRoot(dataDir, 'outputs');
  if (queue === 'forecast' || queue === 'report') {
    rmSync(path.join(outputs, id), { recursive: true, force: true });
    removeMatching(outputs, (n) => n.startsWith(`.tmp-${id}-`));
  }
  if (queue === 'train') {
    const model = (data as { model?: unknown } | null)?.model;
    if (typeof model !== 'string' || !SAFE_ID.test(model.replace(/\./g, '_'))) return;
    const dir = resolveInRoot(dataDir, `models/${model}`);
    // Only this run's staging/checkpoint folders; its published `v<N>` stays.
    removeMatching(dir, (n) => n.startsWith(`.tmp-${id}`));
  }
}
