/**
 * The API module, built from the validated configuration: with REDIS_URL the job queues are BullMQ
 * (via @nestjs/bullmq), without it the embedded in-process queue runs jobs in this process.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { diskStorage } from 'multer';
import type { EppConfig } from '../../libs/contracts/config.js';
import { QUEUES } from '../../libs/contracts/jobs.js';
import { ApiKeyStore } from '../../libs/service/api-keys.js';
import { ApiKeyGuard } from './auth.guard.js';
import { BatchesController } from './batches/batches.controller.js';
import { DatasetsController, ModelsController } from './catalog.controller.js';
import { EppExceptionFilter } from './error.filter.js';
import { ForecastsController } from './forecasts/forecasts.controller.js';
import { ForecastsService } from './forecasts/forecasts.service.js';
import { ResultsService } from './forecasts/results.service.js';
import { HealthController } from './health.controller.js';
import { MetricsService } from './metrics.service.js';
import { JobsController } from './jobs.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { BullJobQueues } from './queue/bullmq-job-queues.js';
import { EmbeddedJobQueues } from './queue/embedded-job-queues.js';
import { JobQueues } from './queue/job-queues.js';
import { CONFIG, KEY_STORE } from './tokens.js';

@Module({})
export class AppModule {
  static forRoot(config: EppConfig, keys: ApiKeyStore): DynamicModule {
    const uploads = path.join(config.dataDir, 'tmp', 'uploads');
    mkdirSync(uploads, { recursive: true });
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
        MulterModule.register({
          storage: diskStorage({ destination: uploads }),
          limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 30 },
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
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: KEY_STORE, useValue: keys },
        queueProvider,
        ForecastsService,
        ResultsService,
        MetricsService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: EppExceptionFilter },
      ],
    };
  }
}
