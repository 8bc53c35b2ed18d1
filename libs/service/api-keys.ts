/**
 * API keys: held only as SHA-256 digests (in memory and in `keys/api-keys.json`), compared in constant
 * time; roles are ordered read < submit < admin. Without EPP_API_KEYS one admin key is generated on first
 * start: its digest goes to `<dataDir>/keys/api-keys.json` and the key itself, for the operator, to
 * `<dataDir>/keys/admin.key` (mode 0600; the operator may delete it once noted). It is printed once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiKeySpec, Role } from '../contracts/config.js';
import { InvalidArgumentError } from '../contracts/errors.js';

export interface StoredKey {
  sha256: string;
  role: Role;
}

const RANK: Record<Role, number> = { read: 0, submit: 1, admin: 2 };

/** True when `have` grants at least `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeyStore {
  private readonly keys: { digest: Buffer; role: Role }[];

  constructor(stored: StoredKey[]) {
    this.keys = stored.map((k) => ({ digest: Buffer.from(k.sha256, 'hex'), role: k.role }));
  }

  /** The role of a presented key, or null. Every stored digest is compared so timing does not leak which. */
  roleOf(key: string): Role | null {
    const digest = Buffer.from(hashKey(key), 'hex');
    let role: Role | null = null;
    for (const k of this.keys) if (timingSafeEqual(k.digest, digest) && role === null) role = k.role;
    return role;
  }

  get size(): number {
    return this.keys.length;
  }
}

/**
 * Keys from the configuration, else from `keys/api-keys.json`, else a freshly generated admin key.
 * Returns the store and, only when a key was generated now, the plaintext to print once.
 */
export function loadOrCreateKeys(
  dataDir: string,
  configured: ApiKeySpec[] | undefined,
): { store: ApiKeyStore; generated?: { key: string; file: string } } {
  if (configured?.length)
    return { store: new ApiKeyStore(configured.map((k) => ({ sha256: hashKey(k.key), role: k.role }))) };
  const dir = path.join(dataDir, 'keys');
  const index = path.join(dir, 'api-keys.json');
  if (existsSync(index)) {
    let stored: StoredKey[];
    try {
      stored = JSON.parse(readFileSync(index, 'utf8')) as StoredKey[];
    } catch (cause) {
      throw new InvalidArgumentError(`${index} is not valid JSON; delete it to generate a new admin key`, {
        cause,
      });
    }
    return { store: new ApiKeyStore(stored) };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = `epp_${randomBytes(24).toString('base64url')}`;
  const keyFile = path.join(dir, 'admin.key');
  writePrivate(keyFile, key + '\n');
  writePrivate(index, JSON.stringify([{ sha256: hashKey(key), role: 'admin' }], null, 2) + '\n');
  return {
    store: new ApiKeyStore([{ sha256: hashKey(key), role: 'admin' }]),
    generated: { key, file: keyFile },
  };
}

/** Write a 0600 file atomically (temp file, then rename). */
function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
