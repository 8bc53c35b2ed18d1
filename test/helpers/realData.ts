import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared real ensemble data (Met Office IMPROVER test data, ERA5 EDA sample). Never copied into the
 * repository: read from EPP_REAL_DATA (default ../shared/data/real, relative to the repository root).
 */
export const REAL_DATA_DIR = path.resolve(
  process.env.EPP_REAL_DATA ?? path.join(process.cwd(), '../shared/data/real'),
);

export function realDataAvailable(): boolean {
  return existsSync(path.join(REAL_DATA_DIR, 'SHA256SUMS'));
}

/** `describe` when the real data is present; otherwise skip with a clear message (a failure in CI). */
export function describeRealData(name: string, fn: () => void): void {
  if (realDataAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.EPP_REQUIRE_REAL_DATA) {
    describe(name, () => {
      test('real data is present', () => {
        throw new Error(`real data not found at ${REAL_DATA_DIR} (set EPP_REAL_DATA)`);
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: real data not found at ${REAL_DATA_DIR}; set EPP_REAL_DATA to run it`);
  describe.skip(name, fn);
}

let sums: Map<string, string> | undefined;

/** SHA256SUMS as relative path → SHA-256. */
function checksums(): Map<string, string> {
  sums ??= new Map(
    readFileSync(path.join(REAL_DATA_DIR, 'SHA256SUMS'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [hash, ...rest] = l.trim().split(/\s+/);
        return [rest.join(' ').replace(/^\*?\.?\/?/, ''), hash] as [string, string];
      }),
  );
  return sums;
}

/** Every NetCDF file listed in SHA256SUMS (relative paths), or none when the real data is absent. */
export function realNetcdfFiles(): string[] {
  return realDataAvailable() ? [...checksums().keys()].filter((f) => f.endsWith('.nc')) : [];
}

/** Absolute path of a real-data file after checking its SHA-256 against SHA256SUMS. */
export function realFile(relative: string): string {
  const file = path.join(REAL_DATA_DIR, relative);
  const expected = checksums().get(relative);
  if (!expected) throw new Error(`${relative} is not listed in ${REAL_DATA_DIR}/SHA256SUMS`);
  const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (actual !== expected)
    throw new Error(`${file}: SHA-256 ${actual} does not match SHA256SUMS (${expected})`);
  return file;
}

let siteSums: Map<string, string> | undefined;

/** Absolute path of a site-archive file (sites/<archive>/<file>) after checking it against sites/SHA256SUMS. */
export function realSiteFile(relative: string): string {
  const dir = path.join(REAL_DATA_DIR, 'sites');
  siteSums ??= new Map(
    readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [hash, ...rest] = l.trim().split(/\s+/);
        return [rest.join(' ').replace(/^\*?\.?\/?/, ''), hash] as [string, string];
      }),
  );
  const file = path.join(dir, relative);
  const expected = siteSums.get(relative);
  if (!expected) throw new Error(`${relative} is not listed in ${dir}/SHA256SUMS`);
  const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (actual !== expected)
    throw new Error(`${file}: SHA-256 ${actual} does not match SHA256SUMS (${expected})`);
  return file;
}
