/**
 * Embedded mode: a `batch` job on the API's in-process queues runs the same nightly batch, its
 * post-processing jobs going through the embedded `forecast` queue; progress and result show through the
 * job view like any job, and EMOS is chosen for a target with coefficients.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedJobQueues } from '../../../apps/api/queue/embedded-job-queues.js';
import { loadConfig } from '../../../libs/contracts/config.js';
import { jobIdFor, type JobView } from '../../../libs/contracts/jobs.js';
import { coefficientsFileSpec, EstimateEmos } from '../../../libs/emos/index.js';
import { readEnsemble, readField } from '../../../libs/ensemble/read.js';
import type { EnsembleField, Field2D } from '../../../libs/ensemble/types.js';
import { writeNetcdf } from '../../../libs/netcdf/index.js';
import { BatchStore } from '../../../libs/pipeline/batch/index.js';
import { drop, generateMiniArchive } from './batchFixture.js';

/** Fit t850 EMOS (model `default`) on the archive's three forecasts at +48 h against their truths. */
async function fitEmos(archive: string, dataDir: string, inits: string[]): Promise<void> {
  const forecasts: EnsembleField[] = [];
  const truths: Field2D[] = [];
  for (const name of inits) {
    const all = await readEnsemble(path.join(archive, 'forecasts', name), { variable: 't', level: 850 });
    const f = all.reduce((a, b) => (a.validTime > b.validTime ? a : b));
    const stamp = new Date(f.validTime * 1000).toISOString();
    const truthName = `${stamp.slice(0, 4)}${stamp.slice(5, 7)}${stamp.slice(8, 10)}T00Z.nc`;
    forecasts.push(f);
    truths.push((await readField(path.join(archive, 'truth', truthName), { variable: 't', level: 850 }))[0]);
  }
  const coeffs = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);
  mkdirSync(path.join(dataDir, 'models/default/emos'), { recursive: true });
  await writeNetcdf(path.join(dataDir, 'models/default/emos/t850.nc'), coefficientsFileSpec(coeffs, 'test'));
}

async function waitFor(q: EmbeddedJobQueues, id: string, seen: number[]): Promise<JobView> {
  for (let i = 0; i < 6000; i++) {
    const v = (await q.get(id))!;
    seen.push(v.progress);
    if (v.state === 'completed' || v.state === 'failed') return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('nightly batch in embedded mode', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'epp-batch-emb-'));
  const archive = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  let queues: EmbeddedJobQueues;

  beforeAll(async () => {
    const names = await generateMiniArchive(archive);
    for (const f of names.forecasts.slice(0, 2)) drop(archive, dataDir, 'forecasts', f);
    drop(archive, dataDir, 'truth', '20160106T00Z.nc');
    await fitEmos(archive, dataDir, names.forecasts);
    queues = new EmbeddedJobQueues(loadConfig({ EPP_DATA_DIR: dataDir, EPP_RETRY_DELAY_MS: '10' }));
  }, 60000);
  afterAll(async () => {
    await queues?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the batch through the in-process queues with progress, then a rerun does nothing', async () => {
    const id = jobIdFor('batch', { date: '2016-01-11' }, 'first');
    const progress: number[] = [];
    queues.onProgress((job, p) => job === id && progress.push(p));
    const { created } = await queues.submit('batch', id, { id, date: '2016-01-11' });
    expect(created).toBe(true);
    const view = await waitFor(queues, id, []);
    expect(view.error).toBeNull();
    expect(view.state).toBe('completed');
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    const result = view.result as {
      batch: string;
      jobs: { processed: number };
      verified: number;
      methods: Record<string, string>;
    };
    expect(result.batch).toBe(id);
    expect(result.jobs.processed).toBe(4);
    expect(result.methods).toEqual({ t850: 'emos', z500: 'raw' });
    expect(result.verified).toBe(2); // 2016-01-04 + 48 h, both targets

    const run = new BatchStore(dataDir).getRun(id)!;
    expect(run.methods.z500.why).toMatch(/no EMOS coefficients for z500/);
    const t850 = new BatchStore(dataDir).readScores().find((s) => s.target === 't850')!;
    expect(t850.method).toBe('emos');
    // EMOS fitted on these very days: in-sample, it must beat the raw ensemble.
    expect(t850.postprocessed.crps).toBeLessThan(t850.raw10.crps);
    // Its forecast jobs ran on the embedded forecast queue.
    const fc = await queues.get(run.jobs[0].id);
    expect(fc?.state).toBe('completed');

    const again = jobIdFor('batch', { date: '2016-01-11' }, 'second');
    await queues.submit('batch', again, { id: again, date: '2016-01-11' });
    const v2 = await waitFor(queues, again, []);
    expect((v2.result as { jobs: { total: number }; verified: number }).jobs.total).toBe(0);
    expect((v2.result as { verified: number }).verified).toBe(0);
  }, 60000);
});
