/**
 * The model store (libs/pipeline/train/store.ts): re-training a model id publishes a new version and keeps
 * every earlier one byte for byte, LATEST moves atomically, a failed run leaves nothing, a version is
 * selectable (`id@v1`), the flat layout is v0 and the install's shipped models are found whatever the data
 * root is. Training options are checked field by field (libs/pipeline/train/options.ts).
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram, runCli } from '../../../apps/cli/program.js';
import { InvalidArgumentError, ModelNotFoundError } from '../../../libs/contracts/errors.js';
import { normaliseTrainOptions } from '../../../libs/pipeline/train/options.js';
import { runTrainJob } from '../../../libs/pipeline/train/job.js';
import {
  bundledModelsDir,
  listModelIds,
  modelVersions,
  parseModelRef,
  pinModelRef,
  publishModelVersion,
  resolveModel,
} from '../../../libs/pipeline/train/store.js';
import { getModel, listModels } from '../../../libs/service/catalog.js';
import { resolveForecastInputs, resolveTrainPaths } from '../../../libs/service/job-paths.js';
import { normaliseForecastRequest } from '../../../libs/contracts/jobs.js';
import { writeNetcdf } from '../../../libs/netcdf/index.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';
import { MINI_BATCH } from './batchFixture.js';

function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(dir, r)))
          .digest('hex');
    }
  };
  walk('');
  return out;
}

describe('model store', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'epp-models-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const shipped = bundledModelsDir();

  test('the install ships default; a data root without models/ still finds it as version bundled', async () => {
    expect(shipped).toBe(path.resolve('data/models'));
    const dataDir = path.join(root, 'empty');
    mkdirSync(dataDir);
    const v = resolveModel(dataDir, 'default');
    expect(v).toMatchObject({ id: 'default', version: 'bundled', source: 'bundled', latest: true });
    expect(existsSync(path.join(v.dir, 'manifest.json'))).toBe(true);
    expect(listModelIds(dataDir)).toContain('default');
    const m = getModel(dataDir, 'default');
    expect(m).toMatchObject({ source: 'bundled', version: 'bundled', kinds: ['mixed', 'emos'] });
    expect(m.versions[0].trainingData).not.toBeNull();
    // With no bundled folder the model does not exist, and the 404 says so.
    expect(() => resolveModel(dataDir, 'default', null)).toThrow(ModelNotFoundError);
    // A forecast request resolves its EMOS coefficients inside that version, named by the NetCDF name of
    // the variable: a standard_name or an alias (`2t`) is resolved in the file first.
    const grid = [
      { name: 'latitude', size: 2 },
      { name: 'longitude', size: 2 },
    ];
    await writeNetcdf(path.join(dataDir, 'x.nc'), {
      dimensions: [{ name: 'level', size: 1 }, ...grid],
      variables: [
        { name: 'level', dtype: 'float', dims: ['level'], data: [850], attrs: { units: 'hPa' } },
        {
          name: 't',
          dtype: 'float',
          dims: ['level', 'latitude', 'longitude'],
          data: new Float32Array(4),
          attrs: { standard_name: 'air_temperature', units: 'K' },
        },
      ],
    });
    await writeNetcdf(path.join(dataDir, 'y.nc'), {
      dimensions: grid,
      variables: [
        {
          name: 't2m',
          dtype: 'float',
          dims: ['latitude', 'longitude'],
          data: new Float32Array(4),
          attrs: { standard_name: 'air_temperature', units: 'K' },
        },
      ],
    });
    const coefficients = async (file: string, variable: string, level?: number) =>
      (
        await resolveForecastInputs(
          dataDir,
          normaliseForecastRequest({ source: { path: file }, variable, level, method: 'emos' }),
        )
      ).emosCoefficients;
    for (const variable of ['t', 'air_temperature'])
      expect(await coefficients('x.nc', variable, 850)).toBe(path.join(shipped!, 'default/emos/t850.nc'));
    expect(await coefficients('y.nc', '2t')).toBe(path.join(shipped!, 'default/emos/t2m.nc'));
  });

  test('publish: v1, v2, … with LATEST moved; earlier versions untouched; id@version selects', () => {
    const dataDir = path.join(root, 'pub');
    const modelDir = path.join(dataDir, 'models/m');
    const stage = (tag: string, content: string) => {
      const d = path.join(modelDir, `.tmp-${tag}`);
      mkdirSync(path.join(d, 'emos'), { recursive: true });
      writeFileSync(path.join(d, 'emos/t850.nc'), content);
      mkdirSync(path.join(d, 'checkpoint'));
      writeFileSync(path.join(d, 'checkpoint/state.json'), '{}');
      return d;
    };
    expect(publishModelVersion(modelDir, stage('a', 'first'))).toBe('v1');
    const v1 = digestTree(path.join(modelDir, 'v1'));
    expect(Object.keys(v1)).toEqual(['emos/t850.nc']); // the checkpoint is not published
    expect(publishModelVersion(modelDir, stage('b', 'second'))).toBe('v2');
    expect(readFileSync(path.join(modelDir, 'LATEST'), 'utf8').trim()).toBe('v2');
    expect(digestTree(path.join(modelDir, 'v1'))).toEqual(v1);
    expect(readdirSync(modelDir).sort()).toEqual(['LATEST', 'v1', 'v2']); // no temporary files left
    expect(modelVersions(dataDir, 'm', null).map((v) => [v.version, v.latest])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    expect(resolveModel(dataDir, 'm', null).version).toBe('v2');
    expect(resolveModel(dataDir, 'm@v1', null).dir).toBe(path.join(modelDir, 'v1'));
    expect(pinModelRef(dataDir, 'm', null)).toBe('m@v2');
    expect(() => resolveModel(dataDir, 'm@v7', null)).toThrow(/has no version v7; it has v1, v2/);
    expect(() => parseModelRef('m@latest')).toThrow(InvalidArgumentError);
    // A LATEST pointing at a removed version falls back to the newest there is.
    rmSync(path.join(modelDir, 'v2'), { recursive: true });
    expect(resolveModel(dataDir, 'm', null).version).toBe('v1');
    // A publish racing another one that took the number gets the next one.
    mkdirSync(path.join(modelDir, 'v2'));
    writeFileSync(path.join(modelDir, 'v2/other'), 'x');
    expect(publishModelVersion(modelDir, stage('c', 'third'))).toBe('v3');
  });

  test('a flat model folder is v0; the shipped model stays selectable as @bundled', () => {
    const dataDir = path.join(root, 'flat');
    mkdirSync(path.join(dataDir, 'models/default/emos'), { recursive: true });
    copyFileSync(
      path.join(shipped!, 'default/emos/t850.nc'),
      path.join(dataDir, 'models/default/emos/t850.nc'),
    );
    const vs = modelVersions(dataDir, 'default');
    expect(vs.map((v) => [v.version, v.source, v.latest])).toEqual([
      ['v0', 'data', true],
      ['bundled', 'bundled', false],
    ]);
    expect(listModels(dataDir).find((m) => m.id === 'default')?.version).toBe('v0');
    expect(resolveModel(dataDir, 'default@bundled').dir).toBe(path.join(shipped!, 'default'));
  });

  test('training options: unknown fields and out-of-range values are rejected, naming the field', () => {
    expect(() => normaliseTrainOptions({ epochz: 1 })).toThrow(/options\.epochz: not a training option/);
    expect(() => normaliseTrainOptions({ epochs: 0 })).toThrow(
      'options.epochs must be an integer in [1, 1000], got 0',
    );
    expect(() => normaliseTrainOptions({ epochs: 2.5 })).toThrow(/options\.epochs/);
    expect(() => normaliseTrainOptions({ learningRate: 0 })).toThrow(
      /options\.learningRate must be a number in \(0, 1\]/,
    );
    expect(() => normaliseTrainOptions({ task: 'everything' })).toThrow(
      /options\.task must be one of bc, uq, mixed/,
    );
    expect(() => normaliseTrainOptions({ batchSize: 'lots' })).toThrow(/options\.batchSize/);
    expect(() => normaliseTrainOptions([1])).toThrow(/options must be an object/);
    expect(() => normaliseTrainOptions({ epochz: 1 }, (k) => `--${k}`)).toThrow(
      /^--epochz: not a training option/,
    );
    expect(normaliseTrainOptions({ epochs: '3', task: 'bc', members: 5 })).toEqual({
      task: 'bc',
      epochs: 3,
      members: 5,
    });
    expect(normaliseTrainOptions({})).toEqual({ task: 'mixed', epochs: 10 });
  });

  test('epp train checks the same ranges, naming its flags (exit 2 before anything is read)', async () => {
    let stderr = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      stderr += String(s);
      return true;
    });
    const before = process.exitCode;
    try {
      for (const [flag, value, message] of [
        ['--epochs', '0', '--epochs must be an integer in [1, 1000], got "0"'],
        ['--lr-decay', '2', '--lr-decay must be a number in (0, 1], got "2"'],
        ['--batch', '0', '--batch must be an integer in [1, 256], got "0"'],
      ]) {
        stderr = '';
        process.exitCode = 0;
        await runCli(buildProgram(), [
          'node',
          'epp',
          'train',
          '--data',
          'nowhere',
          '--out',
          'x',
          flag,
          value,
        ]);
        expect([process.exitCode, stderr]).toEqual([2, `epp: INVALID_ARGUMENT: ${message}\n`]);
      }
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
  });

  test('re-training through the job publishes v2 and keeps v1 byte for byte; a failed run leaves nothing', async () => {
    const dataDir = path.join(root, 'train');
    // Three initialisations (Jan 4/7/11 2016): two to train on, one to validate on.
    const splits = {
      train: { start: '2016-01-04', end: '2016-01-10' },
      val: { start: '2016-01-10', end: '2016-01-12' },
      test: { start: '2016-01-12', end: '2016-01-12' },
    };
    await new TestbedGenerator({ preset: { ...MINI_BATCH, splits }, seed: 3 }).process(
      new ArchiveWriter(path.join(dataDir, 'tb')),
    );
    const payload = {
      id: 'tr-000000000000000000000001',
      model: 'mine',
      data: 'tb',
      options: { epochs: 1, maxTrainSamples: 2 },
    };
    const ctx = { onProgress: () => undefined, tfBackend: 'wasm' as const };
    const r1 = await runTrainJob(payload, resolveTrainPaths(dataDir, payload), ctx);
    expect(r1).toMatchObject({ model: 'mine', version: 'v1', path: 'models/mine/v1' });
    const v1 = digestTree(path.join(dataDir, 'models/mine/v1'));
    expect(Object.keys(v1)).toContain('manifest.json');
    const r2 = await runTrainJob(
      { ...payload, id: 'tr-000000000000000000000002' },
      resolveTrainPaths(dataDir, payload),
      ctx,
    );
    expect(r2.version).toBe('v2');
    expect(digestTree(path.join(dataDir, 'models/mine/v1'))).toEqual(v1);
    expect(getModel(dataDir, 'mine').versions.map((v) => [v.version, v.latest])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    // Bad data: the run fails, no version, no temporary folder.
    const bad = { ...payload, id: 'tr-000000000000000000000003', data: 'missing' };
    await expect(runTrainJob(bad, resolveTrainPaths(dataDir, bad), ctx)).rejects.toThrow();
    expect(readdirSync(path.join(dataDir, 'models/mine')).sort()).toEqual(['LATEST', 'v1', 'v2']);
    // Options are checked in the job too (a payload that did not come through the API).
    const typo = { ...payload, options: { epochz: 1 } };
    await expect(runTrainJob(typo, resolveTrainPaths(dataDir, typo), ctx)).rejects.toThrow(/epochz/);
  }, 300000);
});
