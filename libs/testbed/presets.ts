/**
 * Archive presets and the calendar: splits are date ranges [start, end) (whole years for small and paper),
 * initialisations at 00 UTC every Monday and Thursday (like ENS10's twice-weekly reforecasts).
 */
import type { EventSpec } from './events.js';

export type PresetName = 'tiny' | 'small' | 'paper' | 'tiny-displaced' | 'small-displaced';
/** The raw members' output-error family: 1 = vorticity-linear (§3), 2 = displacement + amplitude (§8). */
export type MemberErrorModel = 'vorticity' | 'displaced';
export type SplitName = 'train' | 'val' | 'test';

export interface SplitRange {
  /** ISO date, inclusive. */
  start: string;
  /** ISO date, exclusive. */
  end: string;
}

export interface Preset {
  name: PresetName;
  /** Output grid spacing, degrees (3 → 61 × 120 like the ERA5 sample; tiny uses 6 → 31 × 60). */
  gridDeg: number;
  members: number;
  perfectMembers: number;
  splits: Record<SplitName, SplitRange>;
  /** Truth spin-up before the first initialisation, days. */
  spinupDays: number;
  events: EventSpec[];
  /** Initialisation weekdays (0 = Sunday); default Monday and Thursday like ENS10. */
  initWeekdays?: number[];
  /** Output-error family of the raw members (default 'vorticity', error model 1). */
  memberErrors?: MemberErrorModel;
}

const WINTER_CYCLONE = (start: string): EventSpec => ({
  name: 'Cyclone Ulla-TB',
  kind: 'cyclone',
  start,
  days: 3,
  lon: 320,
  lat: 50,
  radiusDeg: 7,
  amplitude: 5e-5,
  speedDegPerDay: 10,
  description:
    'explosive North Atlantic cyclone (deep Z500 low, strong winds); missing physics in the members',
});

const HEAT_WAVE = (start: string, days: number, name = 'Heat wave Volga-TB'): EventSpec => ({
  name,
  kind: 'heatwave',
  start,
  days,
  lon: 45,
  lat: 52,
  radiusDeg: 10,
  amplitude: 2.5e-5,
  speedDegPerDay: 0,
  description:
    'blocking ridge over western Russia (Z500 and T850 far above normal); the members miss the block',
});

const ERROR_MODEL_1: Record<'tiny' | 'small' | 'paper', Preset> = {
  tiny: {
    name: 'tiny',
    gridDeg: 6,
    members: 10,
    perfectMembers: 50,
    splits: {
      train: { start: '2016-01-04', end: '2016-01-25' },
      val: { start: '2016-01-25', end: '2016-02-01' },
      test: { start: '2016-02-01', end: '2016-02-15' },
    },
    spinupDays: 120,
    events: [WINTER_CYCLONE('2016-02-02'), HEAT_WAVE('2016-02-07', 6)],
  },
  small: {
    name: 'small',
    gridDeg: 3,
    members: 10,
    perfectMembers: 50,
    splits: {
      train: { start: '2011-01-01', end: '2015-01-01' },
      val: { start: '2015-01-01', end: '2016-01-01' },
      test: { start: '2016-01-01', end: '2017-01-01' },
    },
    spinupDays: 365,
    events: [WINTER_CYCLONE('2016-02-15'), HEAT_WAVE('2016-07-18', 12)],
  },
  paper: {
    name: 'paper',
    gridDeg: 3,
    members: 10,
    perfectMembers: 50,
    splits: {
      train: { start: '1999-01-01', end: '2014-01-01' },
      val: { start: '2014-01-01', end: '2016-01-01' },
      test: { start: '2016-01-01', end: '2018-01-01' },
    },
    spinupDays: 365,
    events: [
      WINTER_CYCLONE('2016-02-15'),
      HEAT_WAVE('2016-07-18', 12),
      HEAT_WAVE('2017-06-20', 10, 'Heat wave Volga-TB 2017'),
    ],
  },
};

// Error model 2 (docs/testbed.md §8, pre-registered): the same archives with displacement and amplitude
// member errors instead of the vorticity-linear ones.
export const PRESETS: Record<PresetName, Preset> = {
  ...ERROR_MODEL_1,
  'tiny-displaced': { ...ERROR_MODEL_1.tiny, name: 'tiny-displaced', memberErrors: 'displaced' },
  'small-displaced': { ...ERROR_MODEL_1.small, name: 'small-displaced', memberErrors: 'displaced' },
};

/**
 * Not an archive preset: the tuning run of bench/testbed (`--preset year`). A full test year (2016, the
 * small preset's test split) with Monday inits only, a short train split (the members' tuning does not
 * change the truth, so extremes are measured on small) and a 6° output grid: about 5× cheaper than small.
 */
export const TUNING_YEAR: Preset = {
  ...ERROR_MODEL_1.small,
  gridDeg: 6,
  splits: {
    train: { start: '2015-11-30', end: '2015-12-21' },
    val: { start: '2015-12-21', end: '2016-01-01' },
    test: { start: '2016-01-01', end: '2017-01-01' },
  },
  spinupDays: 120,
  initWeekdays: [1],
};

const DAY = 86400;

export function isoToEpoch(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 1000;
}

/** 00 UTC of every Monday and Thursday (or the given weekdays) in [start, end), epoch seconds. */
export function initTimes(range: SplitRange, weekdays: number[] = [1, 4]): number[] {
  const out: number[] = [];
  for (let t = isoToEpoch(range.start); t < isoToEpoch(range.end); t += DAY) {
    const dow = new Date(t * 1000).getUTCDay();
    if (weekdays.includes(dow)) out.push(t);
  }
  return out;
}

/** Whole calendar years covered by a split (empty when it is not year-aligned). */
export function splitYears(range: SplitRange): number[] {
  if (!range.start.endsWith('-01-01') || !range.end.endsWith('-01-01')) return [];
  const y0 = Number(range.start.slice(0, 4));
  const y1 = Number(range.end.slice(0, 4));
  return Array.from({ length: y1 - y0 }, (_, i) => y0 + i);
}
