/**
 * One place maps every error to `{"error": {"code", "message"}}` and an HTTP status: typed EppErrors by
 * code, Nest's HttpExceptions (e.g. the multipart interceptor's 413) and Fastify's own errors by status, a full disk as 507, anything else as 500
 * (logged, not leaked). 503s say when to come back (`Retry-After`); messages name files relative to the
 * data root; an upload still in quarantine when its request fails is deleted.
 */
import { rmSync } from 'node:fs';
import { ArgumentsHost, Catch, HttpException, Inject, Logger, type ExceptionFilter } from '@nestjs/common';
import type { EppConfig } from '../../libs/contracts/config.js';
import { EppError } from '../../libs/contracts/errors.js';
import { relativeToRoot } from '../../libs/service/data-root.js';
import { isDiskFull } from '../../libs/service/errors.js';
import type { Reply, Req } from './http.js';
import { CONFIG } from './tokens.js';

export const STATUS_BY_CODE: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PATH_OUTSIDE_ROOT: 403,
  NOT_FOUND: 404,
  FILE_ACCESS: 404,
  MODEL_NOT_FOUND: 404,
  NOT_READY: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_NETCDF: 422,
  INVALID_GRIB: 422,
  UNSUPPORTED_GRIB: 422,
  NOT_FOUND_IN_FILE: 422,
  SLICE_OUT_OF_RANGE: 422,
  MISMATCH: 422,
  INVALID_DATA: 422,
  INVALID_MODEL: 422,
  MODEL_NOT_AVAILABLE: 501,
  QUEUE_UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
};

/** Seconds a client should wait before retrying a 503 (the queue is away; Redis restarts take seconds). */
export const RETRY_AFTER_S = 5;

export function errorBody(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof EppError)
    return { status: STATUS_BY_CODE[err.code] ?? 400, code: err.code, message: err.message };
  if (isDiskFull(err))
    return {
      status: 507,
      code: 'INSUFFICIENT_STORAGE',
      message: 'the server has no space left; nothing was kept',
    };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message =
      typeof res === 'string'
        ? res
        : Array.isArray((res as { message?: unknown }).message)
          ? (res as { message: string[] }).message.join('; ')
          : typeof (res as { message?: unknown }).message === 'string'
            ? (res as { message: string }).message
            : err.message;
    const code =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 404
          ? 'NOT_FOUND'
          : status === 400
            ? 'INVALID_ARGUMENT'
            : `HTTP_${status}`;
    return { status, code, message };
  }
  // Fastify's own errors (body too large, unsupported content type, bad URL) carry a 4xx statusCode.
  const e = err as { statusCode?: number; message?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return {
      status: e.statusCode,
      code:
        e.statusCode === 413
          ? 'PAYLOAD_TOO_LARGE'
          : e.statusCode === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : 'INVALID_ARGUMENT',
      message: e.message ?? 'bad request',
    };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

@Catch()
export class EppExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('epp');

  constructor(@Inject(CONFIG) private readonly config: EppConfig) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Reply>();
    // An upload whose request failed before the handler took it over (e.g. field validation) is not kept.
    const upload = (http.getRequest<Req & { file?: { path?: string } }>().file as { path?: string })?.path;
    if (upload) rmSync(upload, { force: true });
    const body = errorBody(err);
    const { status, code } = body;
    // Name files relative to the data root: clients never see the server's absolute paths.
    const message = relativeToRoot(body.message, this.config.dataDir);
    if (status >= 500 && status !== 501 && status !== 503 && status !== 507)
      this.log.error(err instanceof Error ? err.stack : String(err));
    if (res.sent || res.raw.headersSent) {
      res.raw.end();
      return;
    }
    if (status === 503) res.header('Retry-After', String(RETRY_AFTER_S));
    res.status(status).send({ error: { code, message } });
  }
}
