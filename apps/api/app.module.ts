/**
 * The API module, built from the validated configuration: with REDIS_URL the job queues are BullMQ
 * (via @nestjs/bullmq), without it the embedded in-process queue runs jobs in this process.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MultipartModule } from '@nestjs/platform-fastify/multipart';
import type { EppConfig } from '../../libs/contracts/config.js';
import { QUEUES } from '../../libs/contracts/jobs.js';
import { ApiKeyStore } from '../../libs/service/api-keys.js';
import { DatasetCatalog } from '../../libs/service/catalog.js';
import { FileGuard } from '../../libs/service/file-guard.js';
import { QUARANTINE_DIR, sweepQuarantine } from '../../libs/service/quarantine.js';
import { ApiKeyGuard } from './auth.guard.js';
import { BatchesController } from './batches/batches.controller.js';
import { DatasetsController, ModelsController } from './catalog.controller.js';
import { EppExceptionFilter } from './error.filter.js';
import { ForecastsController } from './forecasts/forecasts.controller.js';
import { ForecastsService } from './forecasts/forecasts.service.js';
import { ResultsService } from './forecasts/results.service.js';
import { QuarantineStorage, type OpenSink } from './forecasts/upload-storage.js';
import { HealthController } from './health.controller.js';
import { MetricsService } from './metrics.service.js';
import { JobsController } from './jobs.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { SitesController } from './sites/sites.controller.js';
import { SitesService } from './sites/sites.service.js';
import { BullJobQueues } from './queue/bullmq-job-queues.js';
import { EmbeddedJobQueues } from './queue/embedded-job-queues.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG, KEY_STORE } from './tokens.js';

/** Seams for tests: the upload storage boundary (a sink that fails like a full disk). */
export interface AppOptions {
  openUploadSink?: OpenSink;
}

@Module({})
export class AppModule {
  static forRoot(config: EppConfig, keys: ApiKeyStore, opts: AppOptions = {}): DynamicModule {
    const uploads = path.join(config.dataDir, QUARANTINE_DIR);
    mkdirSync(uploads, { recursive: true });
    // Partial uploads of a process that died mid-upload (this host) are deleted before anything else.
    sweepQuarantine(config.dataDir);
    const guard = new FileGuard({ timeoutMs: config.precheckTimeoutMs, memoryMb: config.precheckMemoryMb });
    const queueModules = config.redisUrl
      ? [
          BullModule.forRoot({
            // Producers fail fast while Redis is away (the API answers 503) instead of buffering.
            connection: { url: config.redisUrl, enableOfflineQueue: false },
            prefix: config.queuePrefix,
          }),
          BullModule.registerQueue(
            { name: QUEUES.forecast },
            { name: QUEUES.train },
            { name: QUEUES.batch },
            { name: QUEUES.report },
          ),
        ]
      : [];
    const queueProvider: Provider = config.redisUrl
      ? { provide: JobQueues, useClass: BullJobQueues }
      : { provide: JobQueues, useFactory: () => new EmbeddedJobQueues(config) };
    return {
      module: AppModule,
      imports: [
        ...queueModules,
        MultipartModule.register({
          storage: new QuarantineStorage(uploads, opts.openUploadSink),
          limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 30, fieldNestingDepth: 2 },
        }),
      ],
      controllers: [
        ForecastsController,
        JobsController,
        ModelsController,
        DatasetsController,
        HealthController,
        BatchesController,
        ReportsController,
        SitesController,
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: KEY_STORE, useValue: keys },
        queueProvider,
        { provide: FileGuard, useValue: guard },
        {
          provide: DatasetCatalog,
          useValue: new DatasetCatalog(config.dataDir, (dir, rel) => guard.describe(dir, rel)),
        },
        ForecastsService,
        ResultsService,
        SitesService,
        MetricsService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: EppExceptionFilter },
      ],
    };
  }
}
