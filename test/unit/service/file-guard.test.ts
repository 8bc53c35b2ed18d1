/**
 * FileGuard (libs/service/file-guard.ts): a check that loops is killed at its wall-time limit, one that
 * allocates outside the V8 heap is killed at the memory cap, a crash is a typed refusal, the child's own
 * errors keep their code, children are reused, and a killed child is replaced for the next check. Also
 * the quarantine sweep of stale partial uploads.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForecastRequest } from '../../../libs/contracts/jobs.js';
import { FileGuard, fileIdentity, type GuardTask } from '../../../libs/service/file-guard.js';
import { QUARANTINE_DIR, quarantineName, sweepQuarantine } from '../../../libs/service/quarantine.js';

const CHILD = path.resolve('test/fixtures/guard/child.mjs');
const task = (p: string): GuardTask => ({ kind: 'describe', dataDir: '/nonexistent', path: p });

describe('FileGuard', () => {
  const guard = new FileGuard({ timeoutMs: 1500, memoryMb: 256, slots: 1, childScript: CHILD });
  afterAll(() => guard.close());

  test('answers come back; the child is reused between checks', async () => {
    const a = await guard.run<{ pid: number; path: string }>(task('a.nc'));
    const b = await guard.run<{ pid: number; path: string }>(task('b.nc'));
    expect([a.path, b.path]).toEqual(['a.nc', 'b.nc']);
    expect(b.pid).toBe(a.pid);
  });

  test('a check that never ends is killed at the wall-time limit and refused', async () => {
    const t0 = Date.now();
    await expect(guard.run(task('loop'))).rejects.toMatchObject({
      code: 'INVALID_NETCDF',
      message: 'loop: reading it did not finish within 1.5 s (a corrupt or hostile file); it was refused',
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    // The next check gets a fresh child.
    expect(await guard.run(task('after.nc'))).toMatchObject({ path: 'after.nc' });
  });

  test('memory outside the V8 heap (Buffers, wasm) is capped by the resident-set poll', async () => {
    await expect(guard.run(task('allocate'))).rejects.toMatchObject({
      code: 'INVALID_NETCDF',
      message: expect.stringMatching(/^allocate: reading it needed more than 256 MiB/),
    });
  });

  test('a crash is a refusal naming the file; the child’s own typed errors keep their code', async () => {
    await expect(guard.run(task('crash'))).rejects.toMatchObject({
      code: 'INVALID_NETCDF',
      message: 'crash: the reader crashed on it (exit 3); the file is corrupt and was refused',
    });
    await expect(guard.run(task('fail'))).rejects.toMatchObject({
      code: 'NOT_FOUND_IN_FILE',
      message: 'no such variable',
    });
  });

  test('checks wait for a free slot; limits are checked at construction', async () => {
    const all = await Promise.all(['x', 'y', 'z'].map((p) => guard.run<{ path: string }>(task(p))));
    expect(all.map((v) => v.path)).toEqual(['x', 'y', 'z']);
    expect(() => new FileGuard({ timeoutMs: 10, memoryMb: 256 })).toThrow(/timeoutMs/);
    expect(() => new FileGuard({ timeoutMs: 1000, memoryMb: 1 })).toThrow(/memoryMb/);
  });
});

describe('FileGuard.resolveVariable memo', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-guard-memo-'));
  const guard = new FileGuard({ timeoutMs: 1500, memoryMb: 256, slots: 1, childScript: CHILD });
  afterAll(() => {
    guard.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const req = (variable: string, file = 'f.nc') =>
    ({ source: { path: file }, variable }) as unknown as ForecastRequest;

  test('an unchanged file is answered without the child; a rewritten one, another name or a failure is not', async () => {
    const file = path.join(dir, 'f.nc');
    writeFileSync(file, 'aaaa');
    // The fixture child answers `<name>#<how many resolves it ran>`.
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#1');
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#1');
    expect(await guard.resolveVariable(dir, req('u'))).toBe('u#2');
    // Same size, same mtime set back: the status-change time still differs, so the child is asked again.
    const before = fileIdentity(file);
    const { mtime } = statSync(file);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, 'bbbb');
    utimesSync(file, mtime, mtime);
    expect(fileIdentity(file)).not.toBe(before);
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#3');
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#3');
    // Replaced by a rename (a new inode): asked again.
    writeFileSync(path.join(dir, 'g.nc'), 'bbbb');
    renameSync(path.join(dir, 'g.nc'), file);
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#4');
    // Failures are typed and never remembered.
    for (let k = 0; k < 2; k++)
      await expect(guard.resolveVariable(dir, req('nope'))).rejects.toMatchObject({
        code: 'NOT_FOUND_IN_FILE',
      });
    expect(await guard.resolveVariable(dir, req('t'))).toBe('t#4');
    expect(await guard.resolveVariable(dir, req('u'))).toBe('u#7');
  });

  test('paths are still confined: a missing file or one outside the root is the typed error, not a memo', async () => {
    await expect(guard.resolveVariable(dir, req('t', 'missing.nc'))).rejects.toMatchObject({
      code: 'FILE_ACCESS',
    });
    await expect(guard.resolveVariable(dir, req('t', '../x.nc'))).rejects.toMatchObject({
      code: 'PATH_OUTSIDE_ROOT',
    });
  });
});

describe('FileGuard.preflight memo', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-guard-preflight-'));
  const guard = new FileGuard({ timeoutMs: 1500, memoryMb: 256, slots: 1, childScript: CHILD });
  afterAll(() => {
    guard.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // How many preflights the fixture child has run.
  const ran = () => guard.run<number>({ kind: 'describe', dataDir: dir, path: 'preflights' });
  const req = (over: Partial<ForecastRequest> = {}): ForecastRequest => ({
    source: { path: 'f.nc' },
    variable: 't',
    level: 850,
    method: 'raw',
    model: 'default',
    products: ['mean', 'std', 'percentiles', 'probabilities'],
    percentiles: [10, 50, 90],
    thresholds: [273.15],
    ...over,
  });
  const manifest = path.join(dir, 'models/m1/v1/manifest.json');
  mkdirSync(path.dirname(manifest), { recursive: true });
  writeFileSync(manifest, '{}');
  mkdirSync(path.join(dir, QUARANTINE_DIR), { recursive: true });
  writeFileSync(path.join(dir, 'f.nc'), 'aaaa');
  writeFileSync(path.join(dir, 'a.nc'), 'aaaa');
  writeFileSync(path.join(dir, QUARANTINE_DIR, 'q.part'), 'aaaa');

  test('raw: other thresholds/percentiles share a passed check; another field, a changed file or a failure do not', async () => {
    await guard.preflight(dir, req());
    await guard.preflight(dir, req({ thresholds: [250, 260], percentiles: [5] }));
    expect(await ran()).toBe(1);
    await guard.preflight(dir, req({ level: 500 }));
    await guard.preflight(dir, req({ time: 1 }));
    expect(await ran()).toBe(3);
    writeFileSync(path.join(dir, 'f.nc'), 'bbbb'); // same size, new mtime/ctime
    await guard.preflight(dir, req({ thresholds: [1] }));
    expect(await ran()).toBe(4);
    for (let k = 0; k < 2; k++)
      await expect(guard.preflight(dir, req({ variable: 'nope' }))).rejects.toMatchObject({
        code: 'NOT_FOUND_IN_FILE',
      });
    expect(await ran()).toBe(6);
  });

  test('mixed: keyed by the model version and the identities of its manifest and the analysis file', async () => {
    const mixed = (over: Partial<ForecastRequest> = {}) => req({ method: 'mixed', model: 'm1@v1', ...over });
    const n0 = await ran();
    await guard.preflight(dir, mixed());
    await guard.preflight(dir, mixed({ thresholds: [300] }));
    expect(await ran()).toBe(n0 + 1);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(manifest, '{ }');
    await guard.preflight(dir, mixed());
    expect(await ran()).toBe(n0 + 2);
    const withAnalysis = mixed({ analysis: { path: 'a.nc' } });
    await guard.preflight(dir, withAnalysis);
    await guard.preflight(dir, withAnalysis);
    expect(await ran()).toBe(n0 + 3);
    renameSync(path.join(dir, 'f.nc'), path.join(dir, 'g.nc'));
    writeFileSync(path.join(dir, 'a.nc'), 'cccc');
    renameSync(path.join(dir, 'g.nc'), path.join(dir, 'f.nc'));
    await guard.preflight(dir, withAnalysis);
    expect(await ran()).toBe(n0 + 4);
  });

  test('emos, uploads in quarantine and missing files always go to the child', async () => {
    const n0 = await ran();
    for (let k = 0; k < 2; k++) {
      await guard.preflight(dir, req({ method: 'emos', model: 'm1@v1' }));
      await guard.preflight(dir, req({ source: { path: `${QUARANTINE_DIR}/q.part` } }));
      await guard.preflight(dir, req({ source: { path: 'missing.nc' } }));
    }
    expect(await ran()).toBe(n0 + 6);
  });
});

describe('quarantine sweep', () => {
  test('removes partial uploads of dead processes of this host and anything a day old; keeps live ones', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-quarantine-'));
    try {
      const q = path.join(dir, QUARANTINE_DIR);
      mkdirSync(q, { recursive: true });
      const live = quarantineName().replace(/-(\d+)-/, `-${process.ppid}-`); // a live process, not this one
      const dead = quarantineName().replace(/-(\d+)-/, '-999999999-');
      const mine = quarantineName(); // this pid: a previous process with the same pid left it
      const foreignOld = 'ffffffff-1-0123456789abcdef.part';
      const foreignNew = 'eeeeeeee-1-0123456789abcdef.part';
      for (const f of [live, dead, mine, foreignOld, foreignNew]) writeFileSync(path.join(q, f), 'x');
      const dayAgo = (Date.now() - 25 * 3600 * 1000) / 1000;
      utimesSync(path.join(q, foreignOld), dayAgo, dayAgo);
      expect(sweepQuarantine(dir).sort()).toEqual([dead, foreignOld, mine].sort());
      expect(readdirSync(q).sort()).toEqual([foreignNew, live].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
