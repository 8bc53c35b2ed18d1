/**
 * The batch's mixed → emos → raw fallback is decided per file and target: with the shipped `default` model
 * (61×120 grid, found from the install although the data root has no models/), a forecast on that grid is
 * post-processed with mixed while one on a 31×60 grid fails mixed with MISMATCH and falls back to EMOS —
 * in the same run. And `epp batch run` exits 3 when a file is left unprocessed, 0 when all were.
 */
import { jest } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram, runCli } from '../../../apps/cli/program.js';
import { NightlyBatch, sequentialExecutor, unprocessedJobs } from '../../../libs/pipeline/batch/index.js';
import { runForecast } from '../../../libs/service/run-job.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';
import { MINI_BATCH } from './batchFixture.js';

async function archive(dir: string, gridDeg: number): Promise<string> {
  await new TestbedGenerator({ preset: { ...MINI_BATCH, gridDeg }, seed: 3 }).process(new ArchiveWriter(dir));
  const first = readdirSync(path.join(dir, 'forecasts'))
    .filter((f) => f.endsWith('.nc'))
    .sort()[0];
  return path.join(dir, 'forecasts', first);
}

async function epp(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(buildProgram(), ['node', 'epp', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

describe('nightly batch fallback per file', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'epp-batch-fb-'));
  let onModelGrid: string;
  let offModelGrid: string;

  beforeAll(async () => {
    onModelGrid = await archive(path.join(root, 'a3'), 3);
    offModelGrid = await archive(path.join(root, 'a6'), 6);
  }, 120000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('uses mixed where the model fits and EMOS where it does not, in one run', async () => {
    const dataDir = path.join(root, 'data1');
    mkdirSync(path.join(dataDir, 'inbox/forecasts'), { recursive: true });
    copyFileSync(onModelGrid, path.join(dataDir, 'inbox/forecasts/a-3deg.nc'));
    copyFileSync(offModelGrid, path.join(dataDir, 'inbox/forecasts/b-6deg.nc'));
    const r = await new NightlyBatch({ dataDir }).run(
      sequentialExecutor((p) => runForecast(p, { dataDir })),
      { date: '2016-01-07' },
    );
    expect(r.status).toBe('completed');
    expect(r.methods.t850).toMatchObject({ method: 'mixed', model: 'default@bundled' });
    expect(r.methods.t850.fallbacks?.map((f) => f.method)).toEqual(['emos', 'raw']);
    const final = (file: string, target: string) =>
      r.jobs.filter((j) => j.file === file && j.target === target && !j.fallbackTo);
    for (const target of ['t850', 'z500']) {
      expect(final('inbox/forecasts/a-3deg.nc', target).map((j) => [j.method, j.status])).toEqual([
        ['mixed', 'processed'],
      ]);
      expect(final('inbox/forecasts/b-6deg.nc', target).map((j) => [j.method, j.status])).toEqual([
        ['emos', 'processed'],
      ]);
      const failed = r.jobs.filter(
        (j) => j.file === 'inbox/forecasts/b-6deg.nc' && j.target === target && j.fallbackTo,
      );
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ method: 'mixed', status: 'failed', error: { code: 'MISMATCH' } });
    }
    expect(unprocessedJobs(r)).toEqual([]);
  }, 180000);

  it('epp batch run: exit 3 when a file fails (no fallback for an unreadable file), 0 when all are processed', async () => {
    const dataDir = path.join(root, 'data2');
    mkdirSync(path.join(dataDir, 'inbox/forecasts'), { recursive: true });
    copyFileSync(offModelGrid, path.join(dataDir, 'inbox/forecasts/good.nc'));
    writeFileSync(path.join(dataDir, 'inbox/forecasts/broken.nc'), 'not a netcdf file');
    const bad = await epp(['batch', 'run', '--data-dir', dataDir, '--date', '2016-01-07']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/jobs: 2 processed, 2 failed, 2 fell back to the next method/);
    expect(bad.stdout).toMatch(/broken\.nc t850: INVALID_NETCDF/);

    rmSync(path.join(dataDir, 'inbox/forecasts/broken.nc'));
    copyFileSync(offModelGrid, path.join(dataDir, 'inbox/forecasts/later.nc'));
    const good = await epp(['batch', 'run', '--data-dir', dataDir, '--date', '2016-01-07']);
    expect(good.stdout).toMatch(/jobs: 2 processed, 0 failed/);
    expect(good.code).toBe(0);
  }, 180000);
});
