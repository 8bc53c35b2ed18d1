/** Service-level typed errors (the API's exception filter maps their codes to HTTP statuses). */
import { EppError } from '../contracts/errors.js';

/** A job, output, model or dataset that does not exist (404). */
export class NotFoundError extends EppError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(code, message);
  }
}

/** A model id with no model folder (404). */
export class ModelNotFoundError extends EppError {
  constructor(message: string) {
    super('MODEL_NOT_FOUND', message);
  }
}

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
