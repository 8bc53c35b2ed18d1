/** Site jobs (issue 12) on BullMQ: the API produces, a worker process runs them in its sandboxed processors. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { redisService } from './helpers/redisService.js';
import { addSiteArchive, siteScenario } from './helpers/siteScenario.js';

(realDataAvailable() ? describeRedis : describe.skip)(
  'e2e: site jobs on BullMQ with a worker process',
  () => {
    const svc = redisService({ EPP_UPLOAD_LIMIT: '6mb', EPP_TF_BACKEND: 'cpu' }, () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-e2e-sites-redis-'));
      addSiteArchive(dataDir);
      return dataDir;
    });

    siteScenario(() => ({ api: svc.api, dataDir: svc.dataDir }));
  },
);
