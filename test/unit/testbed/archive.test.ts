import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../../../libs/netcdf/open.js';
import {
  ArchiveWriter,
  MemoryStatsSink,
  PRESETS,
  TestbedGenerator,
  readArchiveStats,
  type ArchivePlan,
  type ArchiveSink,
  type ArchiveStatsReport,
  type InitInfo,
  type Preset,
  type TestbedManifest,
} from '../../../libs/testbed/index.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import type { LevelFields } from '../../../libs/testbed/diagnostics.js';
import type { EnsembleKind } from '../../../libs/testbed/generator.js';

/** A few days of tiny (same code path) for the byte-identity test. */
const MINI: Preset = {
  ...PRESETS.tiny,
  perfectMembers: 4,
  spinupDays: 10,
  splits: {
    train: { start: '2016-01-04', end: '2016-01-05' },
    val: { start: '2016-01-07', end: '2016-01-08' },
    test: { start: '2016-01-11', end: '2016-01-20' },
  },
  events: [{ ...PRESETS.tiny.events[0], start: '2016-01-12' }],
};

/** Feeds the generator's output to two sinks: the files and the in-memory statistics. */
class TeeSink implements ArchiveSink {
  constructor(
    private readonly a: ArchiveSink,
    private readonly b: ArchiveSink,
  ) {}
  async begin(plan: ArchivePlan): Promise<void> {
    await this.a.begin(plan);
    await this.b.begin(plan);
  }
  async truth(time: number, fields: LevelFields): Promise<void> {
    await this.a.truth(time, fields);
    await this.b.truth(time, fields);
  }
  async ensemble(kind: EnsembleKind, init: InitInfo, members: number, fields: LevelFields): Promise<void> {
    await this.a.ensemble(kind, init, members, fields);
    await this.b.ensemble(kind, init, members, fields);
  }
  async end(): Promise<void> {
    await this.a.end();
    await this.b.end();
  }
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('testbed archive', () => {
  const root = mkdtempSync(join(tmpdir(), 'epp-testbed-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('rejects unknown presets and bad seeds with typed errors', () => {
    expect(() => new TestbedGenerator({ preset: 'huge' as never })).toThrow(InvalidArgumentError);
    expect(() => new TestbedGenerator({ preset: 'tiny', seed: -1 })).toThrow(/seed/);
  });

  it('is byte-identical for the same seed and differs for another seed', async () => {
    const dirs = ['a', 'b', 'c'].map((x) => join(root, `mini-${x}`));
    for (const [i, d] of dirs.entries())
      await new TestbedGenerator({ preset: MINI, seed: i < 2 ? 5 : 6 }).process(new ArchiveWriter(d));
    const files = filesOf(dirs[0]);
    expect(files).toEqual(filesOf(dirs[1]));
    expect(files.filter((f) => f.endsWith('.nc')).length).toBe(5 + 3 + 17); // forecasts, perfect (test), truth (Jan 4 → Jan 20)
    for (const f of files.filter((x) => x.endsWith('.nc') || x.endsWith('.json')))
      expect(readFileSync(join(dirs[0], f)).equals(readFileSync(join(dirs[1], f)))).toBe(true);
    const f = 'forecasts/20160111T00Z.nc';
    expect(readFileSync(join(dirs[0], f)).equals(readFileSync(join(dirs[2], f)))).toBe(false);
  }, 120_000);

  describe('tiny preset', () => {
    const dir = join(root, 'tiny');
    let manifest: TestbedManifest;
    let stats: ArchiveStatsReport;
    let memory: MemoryStatsSink;

    beforeAll(async () => {
      memory = new MemoryStatsSink();
      await new TestbedGenerator({ preset: 'tiny', seed: 1 }).process(
        new TeeSink(new ArchiveWriter(dir), memory),
      );
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TestbedManifest;
      stats = await readArchiveStats(dir);
    }, 300_000);

    it('writes a manifest with splits, inits and labelled events inside the test split', () => {
      expect(manifest.preset).toBe('tiny');
      expect(manifest.seed).toBe(1);
      expect(manifest.grid.latitude).toHaveLength(31);
      expect(manifest.grid.latitude[0]).toBe(90);
      expect(manifest.grid.longitude).toHaveLength(60);
      expect(manifest.inits.filter((i) => i.split === 'test').length).toBeGreaterThan(0);
      const test = manifest.splits.test;
      expect(manifest.events.map((e) => e.kind).sort()).toEqual(['cyclone', 'heatwave']);
      for (const e of manifest.events) {
        expect(e.start >= test.start && e.start < test.end).toBe(true);
        expect(e.bbox).toHaveLength(4);
      }
    });

    it('forecast files open with member axis number (10), dims (step, number, level, lat, lon)', async () => {
      const ds = await openDataset(join(dir, manifest.inits[0].forecast));
      try {
        expect(ds.memberAxis()).toEqual({ name: 'number', size: 10 });
        for (const v of ['z', 't', 'u', 'v', 'q']) {
          expect(ds.variable(v).dims).toEqual(['step', 'number', 'level', 'latitude', 'longitude']);
          expect(ds.variable(v).shape).toEqual([3, 10, 2, 31, 60]);
        }
        expect(Array.from(ds.readVariable('step').data)).toEqual([0, 24, 48]);
        expect(Array.from(ds.readVariable('level').data)).toEqual([500, 850]);
        const t = ds.readVariable('t').data;
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of t) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        expect(lo).toBeGreaterThan(180);
        expect(hi).toBeLessThan(320);
        expect(ds.readTime('time')[0]).toBe(Date.parse(manifest.inits[0].time) / 1000);
      } finally {
        ds.close();
      }
    });

    it('perfect files hold 50 members and truth files (level, latitude, longitude)', async () => {
      const perf = manifest.inits.find((i) => i.perfect)!;
      const ds = await openDataset(join(dir, perf.perfect!));
      expect(ds.memberAxis()).toEqual({ name: 'number', size: 50 });
      ds.close();
      const tr = await openDataset(join(dir, manifest.truth[0].file));
      expect(tr.variable('z').dims).toEqual(['level', 'latitude', 'longitude']);
      expect(tr.memberAxis()).toBeNull();
      const z = tr.readVariable('z', { start: [0, 0, 0], count: [1, 31, 60] }).data;
      expect(Math.min(...z)).toBeGreaterThan(40000);
      expect(Math.max(...z)).toBeLessThan(62000);
      tr.close();
    });

    it('stats from the files equal the in-memory stats and are sane', () => {
      for (const key of ['z500', 't850'] as const) {
        const v = stats.variables[key];
        const mem = memory.result.variables[key];
        expect(v.raw10.crps).toBeCloseTo(mem.raw10.crps, 6);
        expect(v.perfect50!.crps).toBeCloseTo(mem.perfect50!.crps, 6);
        expect(v.perfect50!.crps).toBeLessThan(v.raw10.crps);
        expect(v.raw10.crps).toBeLessThan(v.raw5.crps);
        expect(v.raw10.ssr).toBeLessThan(0.95);
        expect(v.raw10.ssr).toBeGreaterThan(0.4);
        expect(v.perfect50!.ssr).toBeGreaterThan(0.8);
        expect(v.perfect50!.ssr).toBeLessThan(1.25);
        expect(v.raw10.errorSpreadCorr).toBeGreaterThan(0);
        expect(v.extremeFraction).toBeGreaterThan(0.01);
      }
    });
  });
});
