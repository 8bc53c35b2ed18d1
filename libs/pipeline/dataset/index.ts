/** Dataset capability: index an archive folder, split it by year, and read samples and their fields. */
export {
  archiveGrid,
  indexArchive,
  loadSample,
  loadSplit,
  type ArchiveIndex,
  type LoadedSample,
  type SplitName,
} from './archive.js';
export {
  readGrid,
  readLevels,
  readSteps,
  requireAll,
  SlabReader,
  VariableReader,
  type FileGrid,
} from './fields.js';
export {
  batchesOf,
  DEFAULT_PREFETCH,
  splitInits,
  streamSamples,
  type ArchiveInit,
  type SampleExtras,
} from './stream.js';
