/** Shorthands for the OpenAPI responses every route shares: the error envelope for each error status. */
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './schemas.js';

/** Operation extension naming the schema of a route's multipart/form-data body (set by buildOpenApiDocument). */
export const MULTIPART_SCHEMA = 'x-multipart-schema';

const MEANING: Record<number, string> = {
  400: 'invalid request (the message names the field)',
  401: 'missing or invalid API key',
  403: 'the key’s role is too low, or a path leaves the data root',
  404: 'no such job, file, model or result',
  409: 'the job is not in a state that allows this',
  413: 'body or upload larger than the configured limit',
  422: 'the file does not hold what the request asks for',
  501: 'the model does not predict this variable/level',
  503: 'the queue (Redis) is unavailable',
};

/** The error envelope `{error: {code, message}}` for each status given, plus 401 for keyed routes. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...[...new Set(statuses)].map((status) =>
      ApiResponse({ status, description: MEANING[status] ?? `error ${status}`, type: ErrorDto }),
    ),
  );
}
