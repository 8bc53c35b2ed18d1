/**
 * Build the HTTP application (used by main.ts and by the tests): body limits, validation with field names,
 * the error envelope for body-parser errors, OpenAPI at /docs and /docs-json, graceful shutdown hooks.
 */
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { EppConfig } from '../../libs/contracts/config.js';
import { InvalidArgumentError } from '../../libs/contracts/errors.js';
import type { ApiKeyStore } from '../../libs/service/api-keys.js';
import { FileGuard } from '../../libs/service/file-guard.js';
import { AppModule, type AppOptions } from './app.module.js';
import { errorBody } from './error.filter.js';
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
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, keys, opts), {
    bodyParser: false,
    logger: config.logLevel === 'silent' ? false : ['error', 'warn'],
  });
  app.use(app.get(MetricsService).middleware());
  app.use(express.json({ limit: config.bodyLimitBytes, verify: verifyJsonDepth }));
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const { status, code, message } = errorBody(err);
    res.status(status).json({ error: { code, message } });
  });
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
