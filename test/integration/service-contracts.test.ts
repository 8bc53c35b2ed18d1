/** Framework-free service pieces: configuration, job ids, data-root confinement, API keys, the embedded queue. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../libs/contracts/config.js';
import { type EppError, InvalidArgumentError } from '../../libs/contracts/errors.js';
import { jobIdFor, normaliseForecastRequest, type JobView } from '../../libs/contracts/jobs.js';
import { loadOrCreateKeys, roleAllows } from '../../libs/service/api-keys.js';
import { resolveInRoot } from '../../libs/service/data-root.js';
import { InProcessQueue } from '../../libs/service/in-process-queue.js';

describe('loadConfig', () => {
  test('defaults, and one error listing every bad variable', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, redisUrl: undefined, tfBackend: 'auto', batchCron: '0 2 * * *' });
    expect(c.uploadLimitBytes).toBe(200 * 1024 ** 2);
    let err: unknown;
    try {
      loadConfig({
        PORT: 'x',
        REDIS_URL: 'http://a',
        EPP_API_KEYS: 'short:root',
        EPP_TF_BACKEND: 'gpu',
        EPP_UPLOAD_LIMIT: '1tb',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    for (const name of ['PORT', 'REDIS_URL', 'EPP_API_KEYS', 'EPP_TF_BACKEND', 'EPP_UPLOAD_LIMIT'])
      expect((err as Error).message).toContain(name);
    expect((err as Error).message).not.toContain('short'); // keys are not echoed back
  });
});

describe('job contracts', () => {
  test('the same normalised request gives the same id; another file stamp or parameter another', () => {
    const a = normaliseForecastRequest({ source: { path: 'a.nc' }, variable: 't', percentiles: [90, 10] });
    const b = normaliseForecastRequest({ percentiles: '10,90', variable: 't', source: { path: 'a.nc' } });
    expect(jobIdFor('forecast', a, '1:2')).toBe(jobIdFor('forecast', b, '1:2'));
    expect(jobIdFor('forecast', a, '1:3')).not.toBe(jobIdFor('forecast', a, '1:2'));
    expect(jobIdFor('forecast', { ...a, level: 500 }, '1:2')).not.toBe(jobIdFor('forecast', a, '1:2'));
    expect(
      normaliseForecastRequest({ source: { path: 'a' }, variable: 't', method: 'mixed' }).members,
    ).toEqual([1, 2, 3, 4, 5]);
    expect(() =>
      normaliseForecastRequest({ source: { path: 'a' }, variable: 't', products: ['probabilities'] }),
    ).toThrow(/thresholds are required/);
  });
});

describe('data root confinement', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'epp-root-'));
    mkdirSync(path.join(root, 'inbox'));
    writeFileSync(path.join(root, 'inbox/a.nc'), 'x');
    symlinkSync('/etc', path.join(root, 'inbox/escape'));
    symlinkSync(path.join(root, 'inbox/a.nc'), path.join(root, 'inbox/inside.nc'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('.., absolute paths and symlinks out of the root are refused; links inside are fine', () => {
    const code = (p: string) => {
      try {
        resolveInRoot(root, p, { mustExist: true });
        return 'ok';
      } catch (e) {
        return (e as EppError).code;
      }
    };
    expect(code('inbox/a.nc')).toBe('ok');
    expect(code('inbox/inside.nc')).toBe('ok');
    expect(code('../../etc/passwd')).toBe('PATH_OUTSIDE_ROOT');
    expect(code('inbox/../../x')).toBe('PATH_OUTSIDE_ROOT');
    expect(code('/etc/passwd')).toBe('PATH_OUTSIDE_ROOT');
    expect(code('inbox/escape/passwd')).toBe('PATH_OUTSIDE_ROOT');
    expect(code('inbox/missing.nc')).toBe('FILE_ACCESS');
  });

  test('a generated admin key is stored hashed, 0600, and works; roles are ordered', () => {
    const first = loadOrCreateKeys(root, undefined);
    expect(first.generated).toBeDefined();
    expect(statSync(first.generated!.file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateKeys(root, undefined);
    expect(again.generated).toBeUndefined();
    expect(again.store.roleOf(first.generated!.key)).toBe('admin');
    expect(again.store.roleOf('nope')).toBeNull();
    expect(
      roleAllows('submit', 'read') && !roleAllows('read', 'submit') && roleAllows('admin', 'submit'),
    ).toBe(true);
  });
});

describe('InProcessQueue', () => {
  const settle = (q: InProcessQueue, id: string) =>
    new Promise<JobView>((resolve) => {
      const done = (jid: string) => jid === id && resolve(q.get(id)!);
      q.on('completed', done);
      q.on('failed', done);
    });

  test('deterministic ids, retries transient faults with backoff, fails permanent ones at once', async () => {
    let calls = 0;
    const q = new InProcessQueue({
      name: 'forecast',
      concurrency: 1,
      attempts: 3,
      backoffMs: 10,
      retentionMs: 60000,
      run: async (_q, data, ctx) => {
        calls++;
        await ctx.onProgress(0.5);
        if ((data as { kind: string }).kind === 'flaky' && calls < 3) throw new Error('EIO: transient');
        if ((data as { kind: string }).kind === 'bad') throw new InvalidArgumentError('bad input');
        return { ok: true };
      },
    });
    const a = q.add('fc-a', { kind: 'flaky' });
    expect(q.add('fc-a', { kind: 'flaky' }).created).toBe(false);
    expect(a.created).toBe(true);
    const done = await settle(q, 'fc-a');
    expect(done).toMatchObject({ state: 'completed', attempts: 3, progress: 1, result: { ok: true } });
    calls = 0;
    q.add('fc-b', { kind: 'bad' });
    const failed = await settle(q, 'fc-b');
    expect(failed).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'INVALID_ARGUMENT', message: 'bad input' },
    });
    await q.close();
  });
});
