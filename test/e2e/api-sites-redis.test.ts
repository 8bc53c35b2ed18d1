/** Site jobs (issue 12) on BullMQ: the API produces, a worker process runs them in its sandboxed processors. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { realDataAvailable } from '../helpers/realData.js';
import { addSiteArchive, siteScenario } from './helpers/siteScenario.js';
import { deletePrefix, randomPrefix } from './helpers/redisPrefix.js';
import {
  removeDataRoot,
  requireBuild,
  startApi,
  startWorker,
  type Api,
  type Proc,
} from './helpers/service.js';

(realDataAvailable() ? describeRedis : describe.skip)(
  'e2e: site jobs on BullMQ with a worker process',
  () => {
    let redis: TestRedis;
    let api: Api;
    let worker: Proc;
    let dataDir: string;
    const prefix = randomPrefix();
    beforeAll(async () => {
      requireBuild();
      redis = await startRedis();
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-e2e-sites-redis-'));
      addSiteArchive(dataDir);
      const env = {
        dataDir,
        redisUrl: redis.url,
        prefix,
        extra: { EPP_UPLOAD_LIMIT: '6mb', EPP_TF_BACKEND: 'cpu' },
      };
      [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
    }, 90000);
    afterAll(async () => {
      await worker?.stop('SIGTERM');
      await api?.stop('SIGTERM');
      if (redis) {
        await deletePrefix(redis.url, prefix);
        await redis.stop();
      }
      if (dataDir) removeDataRoot(dataDir);
    });

    siteScenario(() => ({ api, dataDir }));
  },
);
