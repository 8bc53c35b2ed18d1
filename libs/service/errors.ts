/** Service-level typed errors (the API's exception filter maps their codes to HTTP statuses). */
import { EppError } from '../contracts/errors.js';

// Defined with the shared errors so the pipeline can throw them without importing the service.
export { ModelNotFoundError, NotFoundError } from '../contracts/errors.js';

/** A method whose model code is not part of this build yet (e.g. `mixed` before libs/model lands): 501. */
export class ModelUnavailableError extends EppError {
  constructor(message: string) {
    super('MODEL_NOT_AVAILABLE', message);
  }
}

/** A result asked for before its job has completed (409). */
export class NotReadyError extends EppError {
  constructor(message: string) {
    super('NOT_READY', message, { permanent: false });
  }
}

/** The job queue (Redis) cannot be reached: 503 with Retry-After; the request may be sent again later. */
export class QueueUnavailableError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('QUEUE_UNAVAILABLE', message, { ...options, permanent: false });
  }
}

/** The disk under the data root is full (ENOSPC, EDQUOT): 507; nothing partial is kept. */
export class StorageFullError extends EppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INSUFFICIENT_STORAGE', message, { ...options, permanent: false });
  }
}

/** True for the errno codes of a full disk or an exhausted quota. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
/** An action the job's state does not allow, e.g. cancelling a job running on a Redis worker (409). */
export class ConflictError extends EppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}
