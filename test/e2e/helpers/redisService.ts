/**
 * The service on BullMQ for one e2e describe: a Redis server (REDIS_URL or a private redis-server), the built
 * API and one worker process on a fresh data root, under a random key prefix; started in beforeAll, stopped
 * and cleaned up (keys, Redis, data root) in afterAll. Fields are set once beforeAll has run.
 */
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { deletePrefix, randomPrefix } from './redisPrefix.js';
import {
  makeDataRoot,
  removeDataRoot,
  requireBuild,
  startApi,
  startWorker,
  type Api,
  type Proc,
} from './service.js';

export interface RedisService {
  redis: TestRedis;
  api: Api;
  worker: Proc;
  dataDir: string;
  prefix: string;
}

export function redisService(
  extra: Record<string, string>,
  dataRoot: () => string = makeDataRoot,
): RedisService {
  const s = { prefix: randomPrefix() } as RedisService;
  beforeAll(async () => {
    requireBuild();
    s.redis = await startRedis();
    s.dataDir = dataRoot();
    const env = { dataDir: s.dataDir, redisUrl: s.redis.url, prefix: s.prefix, extra };
    [s.api, s.worker] = await Promise.all([startApi(env), startWorker(env)]);
  }, 90000);
  afterAll(async () => {
    await s.worker?.stop('SIGTERM');
    await s.api?.stop('SIGTERM');
    if (s.redis) {
      await deletePrefix(s.redis.url, s.prefix);
      await s.redis.stop();
    }
    if (s.dataDir) removeDataRoot(s.dataDir);
  });
  return s;
}
