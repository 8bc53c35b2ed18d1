/** The testbed: a deterministic ENS10 + ERA5-like archive generator and its statistics (DESIGN §5). */
export { ArchiveWriter } from './archiveWriter.js';
export {
  TestbedGenerator,
  GENERATOR_VERSION,
  GENERATOR_VERSION_DISPLACED,
  generatorVersion,
  LEVELS,
  STEP_HOURS,
  type ArchivePlan,
  type ArchiveSink,
  type GenerateProgress,
  type GeneratorOptions,
  type InitInfo,
} from './generator.js';
export { MemoryStatsSink } from './memoryStatsSink.js';
export { buildManifest, parseManifest, fileStamp, type TestbedManifest } from './manifest.js';
export {
  PRESETS,
  TUNING_YEAR,
  initTimes,
  type MemberErrorModel,
  type Preset,
  type PresetName,
} from './presets.js';
export { DISPLACED_ERRORS, DisplacedErrorModel, type DisplacedErrorParams } from './displacedErrors.js';
export { readArchiveStats, type ArchiveStatsReport } from './statsReader.js';
export type { ArchiveStats, TargetStats } from './statsAccumulator.js';
export type { SkillResult } from './skill.js';
export { DEFAULT_TUNING, type TestbedTuning } from './tuning.js';
export { formatStats } from './formatStats.js';
