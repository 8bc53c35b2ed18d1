/**
 * Build the HTTP application (used by main.ts and by the tests) on Fastify (measured several times the
 * requests/s of Nest on Express: docs/notes/session-5/issue-16.md): body limits, a JSON parser that refuses
 * deep nesting, validation with field names, OpenAPI at /docs and /docs-json, graceful shutdown hooks.
 * Errors of the HTTP layer itself (body too large, bad JSON) reach the same error filter as the handlers'.
 */
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import type { EppConfig } from '../../libs/contracts/config.js';
import { EppError, InvalidArgumentError } from '../../libs/contracts/errors.js';
import type { ApiKeyStore } from '../../libs/service/api-keys.js';
import { FileGuard } from '../../libs/service/file-guard.js';
import { AppModule, type AppOptions } from './app.module.js';
import { MetricsService } from './metrics.service.js';
import { verifyJsonDepth } from './json-depth.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { JobQueues } from './queue/job-queues.js';

function describeValidation(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${field}: ${m}`,
    );
    return [...own, ...describeValidation(e.children ?? [], field)];
  });
}

export async function createApp(
  config: EppConfig,
  keys: ApiKeyStore,
  opts: AppOptions = {},
): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Idle keep-alive sockets outlive typical proxy timeouts, so clients rarely reuse a socket being closed.
    keepAliveTimeout: 65000,
    // As Express did: `/v1/jobs/` is `/v1/jobs`; long ids reach the handler (and its 400), not a 404.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, keys, opts),
    adapter,
    { bodyParser: false, logger: config.logLevel === 'silent' ? false : ['error', 'warn'] },
  );
  const fastify = app.getHttpAdapter().getInstance();
  app.get(MetricsService).instrument(fastify);
  // JSON bodies: nesting checked on the bytes before parsing; an empty body is `{}` (as body-parser).
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes },
    (_req, body: Buffer, done) => {
      try {
        verifyJsonDepth(body);
        done(null, body.length ? JSON.parse(body.toString('utf8')) : {});
      } catch (err) {
        done(err instanceof EppError ? err : new InvalidArgumentError('request body is not valid JSON'));
      }
    },
  );
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new InvalidArgumentError(describeValidation(errors).join('; ')),
    }),
  );
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  const queues = app.get(JobQueues);
  const guard = app.get(FileGuard);
  const close = app.close.bind(app);
  // Close the queues (embedded: let running jobs finish) and the file-check children when the app closes.
  app.close = async () => {
    guard.close();
    await queues.close();
    await close();
  };
  return app;
}
