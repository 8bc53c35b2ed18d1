/** A random BullMQ key prefix per test file, and removal of every key under it afterwards. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export function randomPrefix(): string {
  return `epp-test-${randomBytes(4).toString('hex')}`;
}

export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) removed += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
