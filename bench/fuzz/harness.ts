/**
 * A seeded mutation fuzzer over real files. Case i takes source i mod n, mutates it with the format's
 * mutators (seeded by seed and i: every case is reproducible alone), writes it to a scratch folder and reads
 * it in a child process under a wall-time limit and a resident-memory cap (runner.ts: the parent watches
 * /proc/<pid>/status, resets the peak before each case, kills the child above the cap). Each case is one of:
 *   ok        — read without error;            typed   — an EppError with a one-line message;
 *   untyped   — any other error, or a message of more than one line;
 *   hang      — killed at the time limit;      memory  — killed (or finished) above the memory cap;
 *   crash     — the child died without a verdict (signal, V8 out of memory, exit code).
 * "ok" cases are then read by the format's reference (netCDF-C's ncdump for NetCDF): a file the reference
 * refuses must never be accepted ("accepted-rejected"), and where both accept, every value read must be the
 * value the reference prints ("disagree" otherwise).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FORMATS } from './formats.js';
import { CaseRunner, CHILD } from './runner.js';
import type { FuzzFormat, Mutation, ReadVariable } from './types.js';

export type CaseClass = 'ok' | 'typed' | 'untyped' | 'hang' | 'memory' | 'crash';
export const CLASSES: CaseClass[] = ['ok', 'typed', 'untyped', 'hang', 'memory', 'crash'];

export interface FuzzOptions {
  format?: string;
  cases: number;
  seed: number;
  /** Real-data root (EPP_REAL_DATA). */
  dataDir: string;
  /** Wall-time limit per case (default 10 s). */
  timeoutMs?: number;
  /** Peak RSS cap per case in MiB (default 1024). */
  memoryMiB?: number;
  /** Cases run at once (default 1). */
  jobs?: number;
  /** Cases one child process runs before it is replaced (default 50; 1 = a fresh process per case). */
  casesPerProcess?: number;
  /** Compare "ok" cases with the reference reader (default true). */
  reference?: boolean;
  /** Keep the mutated files of every violation here (for reproduction). */
  keepDir?: string;
  /** Start no case after this many seconds (the report covers the cases run; default: no limit). */
  maxSeconds?: number;
  /** Called after each case (progress). */
  onCase?: (r: CaseResult, done: number) => void;
}

export interface CaseResult {
  index: number;
  source: string;
  kind: string;
  detail: string;
  class: CaseClass;
  /** Error class and message (typed/untyped), or how the child ended (hang/memory/crash). */
  error?: string;
  errorName?: string;
  ms: number;
  peakRssMiB: number;
  reference?: 'accepted' | 'rejected' | 'skipped';
  referenceMessage?: string;
  /** Both accepted: "agree", or where the first value differs. */
  comparison?: string;
}

export interface FuzzReport {
  format: string;
  /** The reference reader's name (e.g. "netCDF-C (ncdump)"). */
  referenceName: string;
  seed: number;
  cases: number;
  sources: string[];
  timeoutMs: number;
  memoryMiB: number;
  counts: Record<CaseClass, number>;
  byKind: Record<string, Record<CaseClass, number>>;
  reference: {
    checked: number;
    acceptedRejected: number;
    agree: number;
    disagree: number;
    skipped: number;
    /** epp refused, the reference accepted (stricter; not a failure), among the refused cases checked. */
    eppStricter: number;
    /** Refused cases checked by the reference (one in ten). */
    refusedChecked: number;
  };
  multiLineErrors: number;
  maxPeakRssMiB: number;
  maxCaseMs: number;
  seconds: number;
  loadAverage: { before: number[]; after: number[] };
  /** Every case that breaks a rule (untyped, hang, memory, crash, accepted-rejected, disagree). */
  violations: CaseResult[];
}

/** mulberry32 (as test/helpers/random.ts), seeded per case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mutation of case `index` (deterministic in seed and index). */
export function mutationFor(
  format: FuzzFormat,
  bytes: Buffer,
  info: unknown,
  seed: number,
  index: number,
): Mutation {
  const random = rng(Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  const total = format.mutators.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [m, w] of format.mutators) {
    r -= w;
    if (r < 0) return m(bytes, random, info);
  }
  return format.mutators[0][0](bytes, random, info);
}

/** The sources of a format that exist, with their report names (relative to the real data or the cwd). */
function loadSources(
  format: FuzzFormat,
  dataDir: string,
): { source: string; bytes: Buffer; info: unknown }[] {
  // Sources are relative to the real data, or absolute (fixtures in the repository); reported relative.
  const sources = format.sources.filter((s) => existsSync(path.resolve(dataDir, s)));
  if (!sources.length) throw new Error(`no ${format.name} sources under ${dataDir}`);
  return sources.map((s) => {
    const bytes = readFileSync(path.resolve(dataDir, s));
    return {
      source: path.isAbsolute(s) ? path.relative(process.cwd(), s) : s,
      bytes,
      info: format.analyze(bytes),
    };
  });
}

/** Write case `index` of a run (seed, format) to `out` alone: the bytes a run reads for it. */
export function writeCase(
  formatName: string,
  seed: number,
  index: number,
  dataDir: string,
  out: string,
): { source: string; kind: string; detail: string } {
  const format = FORMATS[formatName];
  if (!format) throw new Error(`unknown format ${formatName}`);
  const loaded = loadSources(format, dataDir);
  const src = loaded[index % loaded.length];
  const m = mutationFor(format, src.bytes, src.info, seed, index);
  writeFileSync(out, m.bytes);
  return { source: src.source, kind: m.kind, detail: m.detail };
}

function compareValues(format: FuzzFormat, vars: ReadVariable[], printed: Map<string, string[]>): string {
  for (const v of vars) {
    if (!v.values) continue;
    const tokens = printed.get(v.name);
    if (!tokens) return `variable '${v.name}' missing from the reference output`;
    if (tokens.length !== v.values.length)
      return `variable '${v.name}': ${v.values.length} values, the reference printed ${tokens.length}`;
    for (let i = 0; i < tokens.length; i++)
      if (!format.same!(tokens[i], v.values[i], v))
        return `variable '${v.name}'[${i}]: epp ${v.values[i]}, reference ${tokens[i]}`;
  }
  return 'agree';
}

function readValues(
  file: string,
  meta: { name: string; dtype: string; fill?: string; n: number }[],
): ReadVariable[] {
  const buf = readFileSync(file);
  const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  let at = 0;
  return meta.map((m) => {
    const values = m.n < 0 ? null : all.subarray(at, at + m.n);
    if (m.n > 0) at += m.n;
    return { name: m.name, dtype: m.dtype, fill: m.fill === undefined ? undefined : Number(m.fill), values };
  });
}

function emptyCounts(): Record<CaseClass, number> {
  return Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<CaseClass, number>;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const format = FORMATS[options.format ?? 'netcdf'];
  if (!format) throw new Error(`unknown format ${options.format}; known: ${Object.keys(FORMATS).join(', ')}`);
  if (!existsSync(CHILD)) throw new Error(`${CHILD} not found: run npm run build first`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const memoryMiB = options.memoryMiB ?? 1024;
  const useReference = options.reference !== false && format.reference !== undefined;
  const loaded = loadSources(format, options.dataDir);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'epp-fuzz-'));
  const before = os.loadavg();
  const t0 = performance.now();
  const results: CaseResult[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    const runner = new CaseRunner(memoryMiB, options.casesPerProcess ?? 50);
    try {
      await work(runner);
    } finally {
      runner.stop();
    }
  };
  const work = async (runner: CaseRunner) => {
    for (;;) {
      if (options.maxSeconds !== undefined && performance.now() - t0 > options.maxSeconds * 1000) return;
      const index = next++;
      if (index >= options.cases) return;
      const src = loaded[index % loaded.length];
      const m = mutationFor(format, src.bytes, src.info, options.seed, index);
      const file = path.join(scratch, `case-${index}${path.extname(src.source)}`);
      const valuesOut = `${file}.values`;
      writeFileSync(file, m.bytes);
      const o = await runner.run(format.name, file, valuesOut, timeoutMs);
      const r: CaseResult = {
        index,
        source: src.source,
        kind: m.kind,
        detail: m.detail,
        class: 'crash',
        ms: Math.round(o.ms),
        peakRssMiB: Math.round(o.peakRssMiB),
      };
      if (o.ended === 'hang') r.error = `killed after ${timeoutMs} ms`;
      if (o.ended === 'hang') r.class = 'hang';
      else if (o.ended === 'memory' || o.peakRssMiB > memoryMiB) {
        r.class = 'memory';
        r.error = `peak RSS ${Math.round(o.peakRssMiB)} MiB`;
      } else if (!o.verdict) {
        r.error = `no verdict (exit ${o.code ?? o.signal}): ${o.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
      } else if (o.verdict.ok) r.class = 'ok';
      else {
        r.error = o.verdict.message;
        r.errorName = o.verdict.name;
        r.class = o.verdict.typed && !(o.verdict.message ?? '').includes('\n') ? 'typed' : 'untyped';
      }
      // Every accepted case goes to the reference; refused ones only one in ten (how often epp is stricter
      // than netCDF-C is informational, and ncdump costs as much as the case).
      if (useReference && (r.class === 'ok' || (r.class === 'typed' && index % 10 === 0))) {
        const ref = await format.reference!(file, 30_000);
        r.reference = ref.status;
        if (ref.status !== 'accepted') r.referenceMessage = ref.message;
        if (r.class === 'ok' && ref.status === 'accepted')
          r.comparison = compareValues(format, readValues(valuesOut, o.verdict!.variables!), ref.values);
      }
      const broken =
        !['ok', 'typed'].includes(r.class) ||
        (r.class === 'ok' && r.reference === 'rejected') ||
        (r.comparison !== undefined && r.comparison !== 'agree');
      if (broken && options.keepDir) {
        mkdirSync(options.keepDir, { recursive: true });
        writeFileSync(path.join(options.keepDir, path.basename(file)), m.bytes);
      }
      rmSync(file, { force: true });
      rmSync(valuesOut, { force: true });
      results.push(r);
      options.onCase?.(r, ++done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 1) }, worker));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  results.sort((a, b) => a.index - b.index);
  const counts = emptyCounts();
  const byKind: Record<string, Record<CaseClass, number>> = {};
  for (const r of results) {
    counts[r.class]++;
    (byKind[r.kind] ??= emptyCounts())[r.class]++;
  }
  const checked = results.filter((r) => r.reference !== undefined);
  const violations = results.filter(
    (r) =>
      !['ok', 'typed'].includes(r.class) ||
      (r.class === 'ok' && r.reference === 'rejected') ||
      (r.comparison !== undefined && r.comparison !== 'agree'),
  );
  return {
    format: format.name,
    referenceName: format.referenceName ?? 'reference',
    seed: options.seed,
    cases: results.length,
    sources: loaded.map((l) => l.source),
    timeoutMs,
    memoryMiB,
    counts,
    byKind,
    reference: {
      checked: checked.length,
      acceptedRejected: results.filter((r) => r.class === 'ok' && r.reference === 'rejected').length,
      agree: results.filter((r) => r.comparison === 'agree').length,
      disagree: results.filter((r) => r.comparison !== undefined && r.comparison !== 'agree').length,
      skipped: checked.filter((r) => r.reference === 'skipped').length,
      eppStricter: results.filter((r) => r.class === 'typed' && r.reference === 'accepted').length,
      refusedChecked: results.filter((r) => r.class === 'typed' && r.reference !== undefined).length,
    },
    multiLineErrors: results.filter((r) => (r.error ?? '').includes('\n')).length,
    maxPeakRssMiB: Math.max(0, ...results.map((r) => r.peakRssMiB)),
    maxCaseMs: Math.max(0, ...results.map((r) => r.ms)),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    loadAverage: { before, after: os.loadavg() },
    violations,
  };
}
