/**
 * The inbox the batch scans: forecast files under `<dataDir>/inbox/forecasts/` and verifying analyses under
 * `<dataDir>/inbox/truth/` (the testbed archive's layout, so an archive folder can be dropped in as is).
 * Files are identified by path relative to the data root + `size:mtimeMs`; hidden and temporary files
 * (a copy in progress) are skipped.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EppError } from '../../contracts/errors.js';
import { readField } from '../../ensemble/read.js';
import type { BatchTarget, Ledger } from './types.js';

export const INBOX_FORECASTS = 'inbox/forecasts';
export const INBOX_TRUTH = 'inbox/truth';

export interface InboxFile {
  /** Path relative to the data root, with forward slashes. */
  rel: string;
  stamp: string;
}

/** Forecast files: NetCDF (`.nc`) and GRIB edition 1/2 (`.grib`, `.grib1`, `.grib2`, `.grb`, `.grb2`). */
const FORECAST_FILE = /\.(nc|grib|grib1|grib2|grb|grb2)$/i;

/** Every forecast file below `<dataDir>/<sub>`, sorted by path. */
export function scanFolder(dataDir: string, sub: string): InboxFile[] {
  const root = path.join(dataDir, sub);
  if (!existsSync(root)) return [];
  const out: InboxFile[] = [];
  for (const name of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const base = path.basename(name);
    if (!FORECAST_FILE.test(base) || base.startsWith('.') || base.includes('.tmp')) continue;
    const abs = path.join(root, name);
    const st = statSync(abs);
    if (!st.isFile()) continue;
    out.push({
      rel: `${sub}/${name.split(path.sep).join('/')}`,
      stamp: `${st.size}:${Math.round(st.mtimeMs)}`,
    });
  }
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

/**
 * Bring the ledger's truth index up to date (valid times read once per file stamp) and return
 * valid time (epoch s) → truth file. Unreadable truth files are skipped and reported.
 */
export async function indexTruth(
  dataDir: string,
  ledger: Ledger,
  probe: BatchTarget,
): Promise<{ byTime: Map<number, string>; problems: string[]; count: number }> {
  const files = scanFolder(dataDir, INBOX_TRUTH);
  const seen = new Set(files.map((f) => f.rel));
  for (const rel of Object.keys(ledger.truth)) if (!seen.has(rel)) delete ledger.truth[rel];
  const problems: string[] = [];
  for (const f of files) {
    if (ledger.truth[f.rel]?.stamp === f.stamp) continue;
    try {
      const fields = await readField(path.join(dataDir, f.rel), {
        variable: probe.variable,
        level: probe.level,
      });
      ledger.truth[f.rel] = { stamp: f.stamp, validTimes: [...new Set(fields.map((x) => x.validTime))] };
    } catch (err) {
      delete ledger.truth[f.rel];
      problems.push(`${f.rel}: ${err instanceof EppError ? err.message : String(err)}`);
    }
  }
  const byTime = new Map<number, string>();
  for (const [rel, t] of Object.entries(ledger.truth)) for (const v of t.validTimes) byTime.set(v, rel);
  return { byTime, problems, count: files.length };
}
