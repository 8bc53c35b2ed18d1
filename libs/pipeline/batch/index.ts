/**
 * Nightly batch capability: scan the inbox, plan one forecast job per new (file, target), run them through
 * an executor (BullMQ, the embedded queue, or sequentially), verify against truth and keep the ledger.
 */
export {
  batchJobResult,
  NightlyBatch,
  outcomeOf,
  sequentialExecutor,
  type BatchExecutor,
  type BatchOptions,
} from './run.js';
export { BatchBusyError, BatchStore } from './store.js';
export {
  INBOX_SITES,
  SITE_SCORES_FILE,
  type SiteLedgerEntry,
  type SiteRunRecord,
  type SiteVerification,
} from './sites.js';
export {
  unprocessedJobs,
  type BatchQueueJob,
  type BatchRunRecord,
  type BatchTarget,
  type JobOutcome,
  type Ledger,
  type PlannedJob,
} from './types.js';
