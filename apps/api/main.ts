#!/usr/bin/env node
/**
 * `npm start`: the epp API. Without REDIS_URL it also runs an embedded worker (one process, in-process
 * queue); with REDIS_URL jobs go to BullMQ and `npm run worker` processes run them.
 */
import 'reflect-metadata';
import { loadConfig } from '../../libs/contracts/config.js';
import { describeError } from '../../libs/contracts/errors.js';
import { loadOrCreateKeys } from '../../libs/service/api-keys.js';
import { createApp } from './app.js';

try {
  const config = loadConfig();
  const { store, generated } = loadOrCreateKeys(config.dataDir, config.apiKeys);
  const app = await createApp(config, store);
  await app.listen(config.port, config.host);
  // The address actually bound (EPP_HOST, default 0.0.0.0 = every interface), not a guess.
  const bound = (
    app.getHttpServer() as import('node:net').Server
  ).address() as import('node:net').AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  if (generated)
    process.stdout.write(
      `epp: generated an admin API key (shown once; also in ${generated.file}, mode 0600):\n  ${generated.key}\n`,
    );
  process.stdout.write(
    `epp API listening on ${url} (${config.redisUrl ? 'BullMQ on Redis' : 'embedded worker, in-process queue'}); data root ${config.dataDir}; docs at ${url}/docs\n`,
  );
} catch (err) {
  process.stderr.write(`epp: ${describeError(err)}\n`);
  process.exit(2);
}
