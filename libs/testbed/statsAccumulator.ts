/**
 * The testbed's acceptance statistics at +48 h on the test split, for Z500 and T850: raw 10- and 5-member
 * and perfect 50-member skill (EnsembleSkill), and the fraction of test truth above its per-point training
 * 99th percentile. Fed either by the generator (MemoryStatsSink) or from the files (readArchiveStats).
 */
import { EnsembleSkill, ExtremeCounter, type SkillResult } from './skill.js';

export const TARGETS = [
  { key: 'z500', variable: 'z', level: 0 },
  { key: 't850', variable: 't', level: 1 },
] as const;
export type TargetKey = (typeof TARGETS)[number]['key'];

export interface TargetStats {
  raw10: SkillResult;
  raw5: SkillResult;
  perfect50: SkillResult | null;
  /** CRPS(raw10) / CRPS(perfect50). */
  crpsRatioRaw10ToPerfect: number | null;
  /** Fraction of test truth points above their per-point training 99th percentile. */
  extremeFraction: number;
  trainingTruthTimes: number;
}

export interface ArchiveStats {
  leadHours: number;
  testInits: number;
  variables: Record<TargetKey, TargetStats>;
}

export class StatsAccumulator {
  private readonly np: number;
  private readonly raw10: Record<TargetKey, EnsembleSkill>;
  private readonly raw5: Record<TargetKey, EnsembleSkill>;
  private readonly perfect: Record<TargetKey, EnsembleSkill>;
  private readonly extremes: Record<TargetKey, ExtremeCounter>;
  private perfectSeen = false;
  testInits = 0;

  constructor(points: number) {
    this.np = points;
    const make = <T>(f: () => T): Record<TargetKey, T> => ({ z500: f(), t850: f() });
    this.raw10 = make(() => new EnsembleSkill(points));
    this.raw5 = make(() => new EnsembleSkill(points));
    this.perfect = make(() => new EnsembleSkill(points));
    this.extremes = make(() => new ExtremeCounter(points));
  }

  /** A training-period truth field for `key`, [lat, lon] at data[off…]. */
  trainingTruth(key: TargetKey, data: Float32Array, off: number): void {
    this.extremes[key].addTraining(data, off);
  }

  testTruth(key: TargetKey, data: Float32Array, off: number): void {
    this.extremes[key].addTest(data, off);
  }

  /** A +48 h ensemble [member, lat, lon] at data[off…] and its verifying truth [lat, lon] at truth[tOff…]. */
  forecast(
    kind: 'forecasts' | 'perfect',
    key: TargetKey,
    data: Float32Array,
    off: number,
    members: number,
    truth: Float32Array,
    tOff: number,
  ): void {
    if (kind === 'perfect') {
      this.perfectSeen = true;
      this.perfect[key].add(data, off, this.np, members, truth, tOff);
      return;
    }
    this.raw10[key].add(data, off, this.np, members, truth, tOff);
    this.raw5[key].add(data, off, this.np, Math.min(5, members), truth, tOff);
  }

  result(): ArchiveStats {
    const one = (key: TargetKey): TargetStats => {
      const raw10 = this.raw10[key].result();
      const perfect50 = this.perfectSeen ? this.perfect[key].result() : null;
      return {
        raw10,
        raw5: this.raw5[key].result(),
        perfect50,
        crpsRatioRaw10ToPerfect: perfect50 ? raw10.crps / perfect50.crps : null,
        extremeFraction: this.extremes[key].fraction(),
        trainingTruthTimes: this.extremes[key].trainingCount,
      };
    };
    return { leadHours: 48, testInits: this.testInits, variables: { z500: one('z500'), t850: one('t850') } };
  }
}
