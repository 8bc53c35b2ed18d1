/**
 * An ArchiveSink that writes nothing and computes the acceptance statistics while the archive is generated:
 * the fast loop used to tune the testbed (bench/testbed) and to test it without files.
 */
import type { LevelFields } from './diagnostics.js';
import type { ArchivePlan, ArchiveSink, EnsembleKind, InitInfo } from './generator.js';
import { isoToEpoch } from './presets.js';
import { StatsAccumulator, TARGETS, type ArchiveStats } from './statsAccumulator.js';

const LEAD = 48 * 3600;

interface Pending {
  kind: EnsembleKind;
  members: number;
  /** Per target: [member, point] at +48 h. */
  data: Float32Array[];
}

export class MemoryStatsSink implements ArchiveSink {
  private acc: StatsAccumulator | null = null;
  private np = 0;
  private plan: ArchivePlan | null = null;
  private readonly pending = new Map<number, Pending[]>();
  private result_: ArchiveStats | null = null;

  begin(plan: ArchivePlan): void {
    this.plan = plan;
    this.np = plan.grid.lat.length * plan.grid.lon.length;
    this.acc = new StatsAccumulator(this.np);
  }

  truth(time: number, fields: LevelFields): void {
    const acc = this.acc!;
    const s = this.plan!.preset.splits;
    const train = time >= isoToEpoch(s.train.start) && time < isoToEpoch(s.train.end);
    const test = time >= isoToEpoch(s.test.start) && time < isoToEpoch(s.test.end);
    for (const tg of TARGETS) {
      const off = tg.level * this.np;
      if (train) acc.trainingTruth(tg.key, fields[tg.variable], off);
      if (test) acc.testTruth(tg.key, fields[tg.variable], off);
    }
    for (const p of this.pending.get(time) ?? []) {
      TARGETS.forEach((tg, k) =>
        acc.forecast(p.kind, tg.key, p.data[k], 0, p.members, fields[tg.variable], tg.level * this.np),
      );
    }
    this.pending.delete(time);
  }

  ensemble(kind: EnsembleKind, init: InitInfo, members: number, fields: LevelFields): void {
    if (init.split !== 'test') return;
    if (kind === 'forecasts') this.acc!.testInits++;
    const np = this.np;
    const step = 2; // +48 h
    const data = TARGETS.map((tg) => {
      const out = new Float32Array(members * np);
      for (let m = 0; m < members; m++) {
        const src = ((step * members + m) * 2 + tg.level) * np;
        out.set(fields[tg.variable].subarray(src, src + np), m * np);
      }
      return out;
    });
    const vt = init.time + LEAD;
    const list = this.pending.get(vt) ?? [];
    list.push({ kind, members, data });
    this.pending.set(vt, list);
  }

  end(): void {
    this.result_ = this.acc!.result();
  }

  get result(): ArchiveStats {
    if (!this.result_) throw new Error('MemoryStatsSink: the generator has not finished');
    return this.result_;
  }
}
