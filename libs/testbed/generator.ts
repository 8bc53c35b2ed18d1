/**
 * The archive generator (configure, then process): one continuous truth run; at every initialisation an
 * analysis (truth + analysis error), 10 imperfect-model members from under-sized perturbations and, in the
 * test split, 50 true-model members from analysis-error-sized perturbations. Fields go to an ArchiveSink
 * (NetCDF files, or in-memory statistics when tuning).
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { DISPLACED_ERRORS, DisplacedErrorModel } from './displacedErrors.js';
import {
  Diagnostics,
  NO_BIAS,
  regularGrid,
  type LevelFields,
  type OutputBias,
  type OutputGrid,
} from './diagnostics.js';
import { eventForcing, labelEvent, type LabelledEvent } from './events.js';
import { Integrator } from './integrator.js';
import { PerturbationSampler } from './perturbations.js';
import { PRESETS, initTimes, isoToEpoch, type Preset, type PresetName, type SplitName } from './presets.js';
import { Rng, streamKey } from './prng.js';
import { QgModel } from './qgModel.js';
import { SpectralGrid } from './spectralGrid.js';
import { StochasticForcing } from './stochasticForcing.js';
import { buildTopography } from './topography.js';
import { DEFAULT_TUNING, type TestbedTuning } from './tuning.js';

const DAY = 86400;
/** Forecast steps written, hours (ENS10: 0, 24, 48 h). */
export const STEP_HOURS = [0, 24, 48];
export const LEVELS = [500, 850];
/** Version of the generator's numerics: bump when the same seed would give different files. */
export const GENERATOR_VERSION = '1.3.0';
/** Version of the presets with error model 2 (docs/testbed.md §8); error model 1 presets stay at 1.3.0. */
export const GENERATOR_VERSION_DISPLACED = '1.4.0';

/** The generator version a preset's files carry. */
export function generatorVersion(preset: Preset): string {
  return preset.memberErrors === 'displaced' ? GENERATOR_VERSION_DISPLACED : GENERATOR_VERSION;
}

export interface InitInfo {
  index: number;
  time: number;
  split: SplitName;
}

export interface ArchivePlan {
  preset: Preset;
  seed: number;
  grid: OutputGrid;
  inits: InitInfo[];
  /** Valid times of the truth files (00 UTC daily, first init → last init + 48 h). */
  truthTimes: number[];
  events: LabelledEvent[];
  tuning: TestbedTuning;
}

export type EnsembleKind = 'forecasts' | 'perfect';

/** Where the generator puts its fields. Arrays are reused after the promise resolves: copy what you keep. */
export interface ArchiveSink {
  begin(plan: ArchivePlan): Promise<void> | void;
  /** One truth state, each variable [level, lat, lon]. */
  truth(time: number, fields: LevelFields): Promise<void> | void;
  /** One ensemble, each variable [step, member, level, lat, lon]. */
  ensemble(kind: EnsembleKind, init: InitInfo, members: number, fields: LevelFields): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface GenerateProgress {
  /** Units of work done (one member forecast = 1, one truth day = 0.5) and in total. */
  done: number;
  total: number;
  phase: 'spin-up' | 'archive';
}

export interface GeneratorOptions {
  preset: PresetName | Preset;
  seed?: number;
  tuning?: Partial<TestbedTuning>;
  /**
   * Run the 50-member perfect ensembles (default true). false skips them (the manifest still lists the
   * files): for an archive of another member-error model, whose perfect ensembles equal an existing one's.
   */
  perfectEnsembles?: boolean;
  onProgress?: (p: GenerateProgress) => void;
}

function allocFields(n: number): LevelFields {
  return {
    z: new Float32Array(n),
    t: new Float32Array(n),
    u: new Float32Array(n),
    v: new Float32Array(n),
    q: new Float32Array(n),
  };
}

export class TestbedGenerator {
  readonly plan: ArchivePlan;
  private readonly onProgress: (p: GenerateProgress) => void;
  private readonly perfectEnsembles: boolean;

  constructor(options: GeneratorOptions) {
    const preset = typeof options.preset === 'string' ? PRESETS[options.preset] : options.preset;
    if (!preset)
      throw new InvalidArgumentError(
        `unknown testbed preset '${typeof options.preset === 'string' ? options.preset : options.preset.name}' (one of ${Object.keys(PRESETS).join(', ')})`,
      );
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new InvalidArgumentError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    const tuning = { ...DEFAULT_TUNING, ...(options.tuning ?? {}) };
    // Error model 2 replaces the vorticity-linear output bias (docs/testbed.md §8).
    if (preset.memberErrors === 'displaced' && !options.tuning?.memberBias) tuning.memberBias = NO_BIAS;
    if (!(tuning.dtHours > 0) || (24 / tuning.dtHours) % 1 !== 0)
      throw new InvalidArgumentError(`dtHours must divide 24, got ${tuning.dtHours}`);
    const inits: InitInfo[] = [];
    for (const split of ['train', 'val', 'test'] as SplitName[]) {
      for (const time of initTimes(preset.splits[split], preset.initWeekdays))
        inits.push({ index: inits.length, time, split });
    }
    if (inits.length === 0) throw new InvalidArgumentError(`preset '${preset.name}' has no initialisations`);
    const truthTimes: number[] = [];
    for (let t = inits[0].time; t <= inits[inits.length - 1].time + 2 * DAY; t += DAY) truthTimes.push(t);
    const testStart = isoToEpoch(preset.splits.test.start);
    const testEnd = isoToEpoch(preset.splits.test.end);
    for (const e of preset.events) {
      const t = isoToEpoch(e.start);
      if (!(t >= testStart && t + e.days * DAY < testEnd))
        throw new InvalidArgumentError(`event '${e.name}' (${e.start}) is not inside the test split`);
    }
    this.plan = {
      preset,
      seed,
      grid: regularGrid(preset.gridDeg),
      inits,
      truthTimes,
      events: preset.events.map(labelEvent),
      tuning,
    };
    this.onProgress = options.onProgress ?? (() => undefined);
    this.perfectEnsembles = options.perfectEnsembles ?? true;
  }

  async process(sink: ArchiveSink): Promise<void> {
    const { preset, seed, tuning, inits, truthTimes } = this.plan;
    const grid = new SpectralGrid(30, 15, 48);
    const topo = buildTopography(grid, tuning.truth.topography);
    const truthModel = new QgModel(grid, tuning.truth, topo);
    const memberModel = new QgModel(grid, tuning.member, topo);
    const dt = tuning.dtHours * 3600;
    const events = eventForcing(grid, preset.events);
    const truthNoise = new StochasticForcing(
      grid,
      tuning.truth.stochasticAmp,
      tuning.truth.stochasticHours,
      dt,
      new Rng(streamKey(seed, 1)),
    );
    const truth = new Integrator(truthModel, dt, truthNoise, events);
    const perfect = new Integrator(truthModel, dt, null, events);
    const raw = new Integrator(memberModel, dt, null, null);
    const sampler = new PerturbationSampler(truthModel);
    const diag = new Diagnostics(grid, this.plan.grid, tuning.climate);
    const np = diag.nLat * diag.nLon;
    const displaced =
      preset.memberErrors === 'displaced' ? new DisplacedErrorModel(this.plan.grid, DISPLACED_ERRORS) : null;

    // Spin-up from a zonal state at radiative equilibrium plus small noise.
    const t0 = truthTimes[0] - preset.spinupDays * DAY;
    const psi0 = new Float64Array(4 * grid.size);
    for (let j = 0; j < grid.nLat; j++) {
      const te = truthModel.tauEq(j, t0);
      psi0[j * grid.nm] = te / 2;
      psi0[2 * grid.size + j * grid.nm] = -te / 2;
    }
    const q0 = new Float64Array(4 * grid.size);
    truthModel.pvFromPsi(psi0, q0);
    sampler.addTo(q0, new Rng(streamKey(seed, 0)), 2e5, 1);
    truth.start(q0, t0);

    const nTest = inits.filter((i) => i.split === 'test').length;
    const perfectRuns = this.perfectEnsembles ? nTest * preset.perfectMembers : 0;
    const total = inits.length * preset.members + perfectRuns + 0.5 * truthTimes.length;
    let done = 0;
    this.onProgress({ done, total, phase: 'spin-up' });
    await sink.begin(this.plan);

    const truthFields = allocFields(2 * np);
    const rawFields = allocFields(STEP_HOURS.length * preset.members * 2 * np);
    const perfFields = allocFields(STEP_HOURS.length * preset.perfectMembers * 2 * np);
    const analysis = new Float64Array(4 * grid.size);
    const initial = new Float64Array(4 * grid.size);
    const initByTime = new Map(inits.map((i) => [i.time, i]));

    for (const vt of truthTimes) {
      while (truth.t < vt - 1) truth.step();
      diag.fill(truth.psi, vt, NO_BIAS, truthFields, 0);
      await sink.truth(vt, truthFields);
      done += 0.5;
      const init = initByTime.get(vt);
      if (init) {
        analysis.set(truth.q);
        sampler.addTo(analysis, new Rng(streamKey(seed, 2, init.index)), tuning.analysisErrorPsi, 1);
        const run = (
          integ: Integrator,
          kind: number,
          members: number,
          scale: number,
          bias: OutputBias,
          dst: LevelFields,
          errors: DisplacedErrorModel | null,
        ) => {
          for (let m = 0; m < members; m++) {
            initial.set(analysis);
            sampler.addTo(
              initial,
              new Rng(streamKey(seed, kind, init.index, m)),
              tuning.analysisErrorPsi,
              scale,
            );
            integ.start(initial, vt);
            const mp = integ.model.params;
            integ.useNoise(
              mp.stochasticAmp > 0
                ? new StochasticForcing(
                    grid,
                    mp.stochasticAmp,
                    mp.stochasticHours,
                    dt,
                    new Rng(streamKey(seed, kind + 10, init.index, m)),
                  )
                : null,
            );
            for (let s = 0; s < STEP_HOURS.length; s++) {
              const target = vt + STEP_HOURS[s] * 3600;
              while (integ.t < target - 1) integ.step();
              diag.fill(integ.psi, integ.t, bias, dst, (s * members + m) * 2 * np);
              errors?.apply(dst, (s * members + m) * 2 * np, STEP_HOURS[s]);
            }
            done += 1;
            if (m % 5 === 4) this.onProgress({ done, total, phase: 'archive' });
          }
        };
        run(raw, 3, preset.members, tuning.rawPerturbationScale, tuning.memberBias, rawFields, displaced);
        await sink.ensemble('forecasts', init, preset.members, rawFields);
        if (init.split === 'test' && this.perfectEnsembles) {
          run(perfect, 4, preset.perfectMembers, 1, NO_BIAS, perfFields, null);
          await sink.ensemble('perfect', init, preset.perfectMembers, perfFields);
        }
      }
      this.onProgress({ done, total, phase: 'archive' });
    }
    await sink.end();
  }
}
