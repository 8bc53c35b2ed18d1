/** manifest.json of a testbed archive: what was generated, how, and where each file is. */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { LabelledEvent } from './events.js';
import { DISPLACED_ERRORS } from './displacedErrors.js';
import { LEVELS, STEP_HOURS, generatorVersion, type ArchivePlan } from './generator.js';
import { splitYears, type SplitName, type SplitRange } from './presets.js';

export interface ManifestInit {
  time: string;
  split: SplitName;
  forecast: string;
  /** Perfect-model ensemble file (test split only). */
  perfect?: string;
}

export interface TestbedManifest {
  generator: 'epp-testbed';
  version: string;
  preset: string;
  seed: number;
  grid: { kind: 'latlon'; resolutionDeg: number; latitude: number[]; longitude: number[] };
  levels: number[];
  variables: string[];
  stepsHours: number[];
  members: number;
  perfectMembers: number;
  splits: Record<SplitName, SplitRange & { years: number[] }>;
  inits: ManifestInit[];
  truth: { time: string; file: string }[];
  events: LabelledEvent[];
  model: unknown;
}

/** File stem of a time: YYYYMMDDTHHZ. */
export function fileStamp(tSec: number): string {
  const iso = new Date(tSec * 1000).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}Z`;
}

function isoTime(tSec: number): string {
  return new Date(tSec * 1000).toISOString().replace('.000Z', 'Z');
}

export function buildManifest(plan: ArchivePlan): TestbedManifest {
  const p = plan.preset;
  const split = (s: SplitName) => ({ ...p.splits[s], years: splitYears(p.splits[s]) });
  return {
    generator: 'epp-testbed',
    version: generatorVersion(p),
    preset: p.name,
    seed: plan.seed,
    grid: {
      kind: 'latlon',
      resolutionDeg: p.gridDeg,
      latitude: [...plan.grid.lat],
      longitude: [...plan.grid.lon],
    },
    levels: LEVELS,
    variables: ['z', 't', 'u', 'v', 'q'],
    stepsHours: STEP_HOURS,
    members: p.members,
    perfectMembers: p.perfectMembers,
    splits: { train: split('train'), val: split('val'), test: split('test') },
    inits: plan.inits.map((i) => ({
      time: isoTime(i.time),
      split: i.split,
      forecast: `forecasts/${fileStamp(i.time)}.nc`,
      ...(i.split === 'test' ? { perfect: `perfect/${fileStamp(i.time)}.nc` } : {}),
    })),
    truth: plan.truthTimes.map((t) => ({ time: isoTime(t), file: `truth/${fileStamp(t)}.nc` })),
    events: plan.events,
    model: {
      tuning: plan.tuning,
      spectral: { nLat: 30, zonalWavenumbers: 15, nx: 48 },
      // Error model 2 only (error model 1 manifests stay byte-identical).
      ...(p.memberErrors === 'displaced'
        ? { memberErrors: { model: 'displaced', docs: 'docs/testbed.md §8', ...DISPLACED_ERRORS } }
        : {}),
    },
  };
}

/** Parse and check a manifest read from disk. */
export function parseManifest(text: string, path: string): TestbedManifest {
  let m: TestbedManifest;
  try {
    m = JSON.parse(text) as TestbedManifest;
  } catch (err) {
    throw new InvalidArgumentError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (m?.generator !== 'epp-testbed' || !Array.isArray(m.inits) || !Array.isArray(m.truth))
    throw new InvalidArgumentError(`${path}: not a testbed manifest (generator/inits/truth missing)`);
  return m;
}
