/**
 * The nightly batch on a few days of the tiny testbed, run by hand through the in-process path: a rerun
 * does nothing, a file dropped later is picked up, verification appears when the truth arrives (raw10,
 * raw5 and post-processed CRPS in the score history, checked against CRPS computed here from the files).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEnsemble, readField } from '../../../libs/ensemble/read.js';
import { runForecast } from '../../../libs/service/run-job.js';
import {
  NightlyBatch,
  sequentialExecutor,
  BatchBusyError,
  BatchStore,
} from '../../../libs/pipeline/batch/index.js';
import { drop, generateMiniArchive } from './batchFixture.js';

/**
 * DESIGN §2 ensemble CRPS, written out independently: mean_i|x_i−y| − Σ_i Σ_j|x_i−x_j| / (2m²), area mean
 * weighted by cos(latitude) (the default on a lat–lon grid, issue 14).
 */
function ensembleCrps(data: Float32Array, m: number, y: Float32Array, lat: Float64Array): number {
  const n = y.length;
  let total = 0;
  let wsum = 0;
  for (let p = 0; p < n; p++) {
    const w = Math.cos((lat[p] * Math.PI) / 180);
    wsum += w;
    let a = 0;
    let b = 0;
    for (let i = 0; i < m; i++) {
      a += Math.abs(data[i * n + p] - y[p]);
      for (let j = 0; j < m; j++) b += Math.abs(data[i * n + p] - data[j * n + p]);
    }
    total += w * (a / m - b / (2 * m * m));
  }
  return total / wsum;
}

describe('nightly batch (in-process)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'epp-batch-'));
  const archive = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  let names: { forecasts: string[]; truth: string[] };
  // No model anywhere (not even the install's shipped one): raw statistics.
  const batch = () => new NightlyBatch({ dataDir, bundledModels: null });
  const exec = sequentialExecutor((p) => runForecast(p, { dataDir }));

  beforeAll(async () => {
    names = await generateMiniArchive(archive);
  }, 60000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('processes every new (file, target), then a rerun does nothing', async () => {
    drop(archive, dataDir, 'forecasts', names.forecasts[0]); // 2016-01-04
    drop(archive, dataDir, 'forecasts', names.forecasts[1]); // 2016-01-07
    const first = await batch().run(exec, { date: '2016-01-07' });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('completed');
    expect(first.methods.t850.method).toBe('raw');
    expect(first.methods.t850.why).toMatch(/model 'default' does not exist/);
    expect(first.jobs.map((j) => `${j.file}|${j.target}|${j.status}`).sort()).toEqual([
      'inbox/forecasts/20160104T00Z.nc|t850|processed',
      'inbox/forecasts/20160104T00Z.nc|z500|processed',
      'inbox/forecasts/20160107T00Z.nc|t850|processed',
      'inbox/forecasts/20160107T00Z.nc|z500|processed',
    ]);
    for (const j of first.jobs) expect(statSync(path.join(dataDir, j.output!)).size).toBeGreaterThan(0);
    expect(first.verifications).toEqual([]);

    const outputStamp = statSync(path.join(dataDir, first.jobs[0].output!)).mtimeMs;
    const second = await batch().run(exec, { date: '2016-01-07' });
    expect(second.status).toBe('completed');
    expect(second.jobs).toEqual([]);
    expect(second.verifications).toEqual([]);
    expect(statSync(path.join(dataDir, first.jobs[0].output!)).mtimeMs).toBe(outputStamp);
    const store = new BatchStore(dataDir);
    expect(store.listRuns().map((r) => r.id)).toEqual([second.id, first.id]);
    expect(store.getRun(first.id)!.jobs).toHaveLength(4);
  }, 60000);

  it('picks up a file dropped later', async () => {
    drop(archive, dataDir, 'forecasts', names.forecasts[2]); // 2016-01-11
    const r = await batch().run(exec, { date: '2016-01-11' });
    expect(r.jobs.map((j) => `${j.file}|${j.target}|${j.status}`).sort()).toEqual([
      'inbox/forecasts/20160111T00Z.nc|t850|processed',
      'inbox/forecasts/20160111T00Z.nc|z500|processed',
    ]);
  }, 60000);

  it('verifies a forecast once its truth arrives (and not before the as-of date)', async () => {
    // Truth valid at 2016-01-06 00 UTC = 2016-01-04 + 48 h.
    drop(archive, dataDir, 'truth', '20160106T00Z.nc');
    const early = await batch().run(exec, { date: '2016-01-05' });
    expect(early.verifications).toEqual([]);

    const r = await batch().run(exec, { date: '2016-01-11' });
    expect(r.jobs).toEqual([]);
    expect(r.verifications.filter((v) => v.error).map((v) => v.error!.message)).toEqual([]);
    expect(r.verifications.map((v) => `${v.file}|${v.target}|${v.status}`).sort()).toEqual([
      'inbox/forecasts/20160104T00Z.nc|t850|verified',
      'inbox/forecasts/20160104T00Z.nc|z500|verified',
    ]);
    const history = new BatchStore(dataDir).readScores();
    expect(history).toHaveLength(2);
    const t850 = history.find((h) => h.target === 't850')!;
    expect(t850.validTime).toBe('2016-01-06T00:00:00.000Z');
    expect(t850.truth).toBe('inbox/truth/20160106T00Z.nc');
    expect(t850.method).toBe('raw');

    // raw10 CRPS recomputed here from the files.
    const f = path.join(dataDir, 'inbox/forecasts/20160104T00Z.nc');
    const vt = Date.parse('2016-01-06T00:00:00Z') / 1000;
    const ens = (await readEnsemble(f, { variable: 't', level: 850, time: vt }))[0];
    const y = (await readField(path.join(dataDir, t850.truth), { variable: 't', level: 850 }))[0];
    expect(ens.members).toHaveLength(10);
    const ref10 = ensembleCrps(ens.data, 10, y.data, y.grid.latitude);
    expect(t850.raw10.weights).toBe('coslat');
    expect(t850.raw10.crps).toBeCloseTo(ref10, 6);
    expect(t850.raw5.crps).toBeCloseTo(ensembleCrps(ens.data, 5, y.data, y.grid.latitude), 6);
    expect(t850.raw10.n).toBe(y.data.length);
    // raw method: the post-processed forecast is N(ensemble mean, std ddof 1) → its CRPS is raw10's Gaussian CRPS.
    expect(Math.abs(t850.postprocessed.crps - t850.raw10.crps_gaussian)).toBeLessThan(
      1e-4 * t850.raw10.crps_gaussian,
    );
    expect(t850.crpsSkillVsRaw10).toBeCloseTo(1 - t850.postprocessed.crps / t850.raw10.crps, 12);
    // Against the strongest raw10 estimator, named: the fair CRPS of 10 members is below the standard one.
    const best = Math.min(t850.raw10.crps, t850.raw10.crps_fair, t850.raw10.crps_gaussian);
    expect(t850.raw10.crps_fair).toBeLessThan(t850.raw10.crps);
    expect(t850.crpsSkillVsStrongestRaw10.skill).toBeCloseTo(1 - t850.postprocessed.crps / best, 12);
    expect(t850.raw10[t850.crpsSkillVsStrongestRaw10.reference]).toBe(best);

    // Verified once only.
    const again = await batch().run(exec, { date: '2016-01-11' });
    expect(again.verifications).toEqual([]);
    expect(new BatchStore(dataDir).readScores()).toHaveLength(2);
  }, 60000);

  it('records what failed and why, and retries a replaced file', async () => {
    const bad = path.join(dataDir, 'inbox/forecasts/broken.nc');
    writeFileSync(bad, 'not a netcdf file');
    const r = await batch().run(exec, { date: '2016-01-11' });
    expect(r.status).toBe('completed');
    expect(r.jobs).toHaveLength(2);
    for (const j of r.jobs) {
      expect(j.status).toBe('failed');
      expect(j.error!.code).toBe('INVALID_NETCDF');
      expect(j.error!.message).toMatch(/broken\.nc/);
    }
    // The stored record says the same.
    const stored = JSON.parse(readFileSync(path.join(dataDir, `batch/runs/${r.id}.json`), 'utf8'));
    expect(stored.jobs[0].error.code).toBe('INVALID_NETCDF');
    // Replaced by a real forecast: processed on the next run.
    rmSync(bad);
    drop(archive, dataDir, 'forecasts', names.forecasts[0]);
    const { renameSync } = await import('node:fs');
    renameSync(path.join(dataDir, 'inbox/forecasts', names.forecasts[0]), bad);
    const fixed = await batch().run(exec, { date: '2016-01-11' });
    expect(fixed.jobs.map((j) => j.status)).toEqual(['processed', 'processed']);
  }, 60000);

  it('refuses to start while another batch holds the lock', async () => {
    const store = new BatchStore(dataDir);
    store.lock('someone-else');
    await expect(batch().run(exec)).rejects.toThrow(BatchBusyError);
    store.unlock('someone-else');
  });
});
