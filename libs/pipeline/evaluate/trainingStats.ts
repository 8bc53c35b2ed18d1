/**
 * The training years as `epp evaluate` needs them: per target and per (time, point) the statistics its EMOS
 * baselines and extreme thresholds are fitted on, read in one streamed pass over the training split and
 * spilled to a scratch file, so that memory holds a few samples and one block of points whatever the number
 * of years. Read back by time rows (the global EMOS fit) or by blocks of points (point-by-point fits,
 * quantiles). The values are those the in-memory fits computed (same functions, stored exactly: float64, or
 * float32 where the values are float32 already), so the fits are bitwise the same.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MismatchError } from '../../contracts/errors.js';
import { EstimateEmos } from '../../emos/estimate.js';
import type { EmosRows } from '../../emos/rows.js';
import type { EmosCoefficients } from '../../emos/types.js';
import { memberMean, memberVariance } from '../../ensemble/stats.js';
import type { Grid } from '../../ensemble/types.js';
import { parseTargetKey, type ModelConfig } from '../../model/config.js';
import type { ModelGrid } from '../../model/mixedModel.js';
import { pointQuantiles } from '../../scoring/skill.js';
import type { ArchiveIndex, LoadedSample } from '../dataset/archive.js';
import { streamSamples, type ArchiveInit } from '../dataset/stream.js';
import {
  ExtendedEmosFitter,
  sphericalLaplacian,
  type ExtendedEmos,
  type ExtendedEmosKind,
  type ExtendedEmosSample,
} from './baselines.js';

/**
 * Fields stored per (time, point) of a target, in this order (field-major within a time's row), with their
 * storage type: float64 for the statistics EstimateEmos computes in float64, float32 for those whose values
 * are float32 already (the truth and the extended EMOS fields), so that the stored values are exact either way.
 * The float64 fields come first, so that every field's offset stays a multiple of its size whatever n.
 */
const FIELD_TYPES = {
  mean5: 'f64', // memberMean of the k-member subset (float64, as EstimateEmos computes it)
  var5: 'f64', // memberVariance ddof 1 of the subset
  meanAll: 'f64', // the same over every raw member
  varAll: 'f64',
  truth: 'f32',
  extMean5: 'f32', // meanVar of the subset (float32, as the extended EMOS samples hold it)
  extVar5: 'f32',
  extLap5: 'f32', // spherical Laplacian of extMean5
  extMeanAll: 'f32',
  extVarAll: 'f32',
  extLapAll: 'f32',
  lapZ850: 'f32', // Laplacian of the subset-mean z850 (NaN without z850)
} as const;
type FieldName = keyof typeof FIELD_TYPES;
type F64Field = { [f in FieldName]: (typeof FIELD_TYPES)[f] extends 'f64' ? f : never }[FieldName];
type F32Field = Exclude<FieldName, F64Field>;
const FIELDS = Object.keys(FIELD_TYPES) as FieldName[];
const BYTES: Record<FieldName, number> = Object.fromEntries(
  FIELDS.map((f) => [f, FIELD_TYPES[f] === 'f64' ? 8 : 4]),
) as Record<FieldName, number>;
/** Bytes per point of one time's row (64: 4 float64 + 8 float32 fields). */
export const ROW_BYTES_PER_POINT = FIELDS.reduce((a, f) => a + BYTES[f], 0);

/** One time's row of a target: every field at every point, each in its storage type. */
class SpillRow {
  readonly bytes: Buffer;
  /** Byte offset of each field in the row. */
  readonly offset: Record<FieldName, number>;
  private readonly views: Record<FieldName, Float64Array | Float32Array>;

  constructor(readonly n: number) {
    this.bytes = Buffer.alloc(ROW_BYTES_PER_POINT * n);
    let o = 0;
    const offset = {} as Record<FieldName, number>;
    const views = {} as Record<FieldName, Float64Array | Float32Array>;
    for (const f of FIELDS) {
      offset[f] = o;
      views[f] =
        FIELD_TYPES[f] === 'f64'
          ? new Float64Array(this.bytes.buffer, this.bytes.byteOffset + o, n)
          : new Float32Array(this.bytes.buffer, this.bytes.byteOffset + o, n);
      o += BYTES[f] * n;
    }
    this.offset = offset;
    this.views = views;
  }

  /** Float64 statistics are stored as they are; float32 fields take only Float32Array (exact by type). */
  put64(f: F64Field, v: Float64Array): void {
    this.views[f].set(v);
  }

  put32(f: F32Field, v: Float32Array): void {
    this.views[f].set(v);
  }

  fill(f: FieldName, v: number): void {
    this.views[f].fill(v);
  }
}

/** The fields only the extended EMOS variants read (NaN when they are not asked for). */
const EXTENDED_FIELDS: FieldName[] = [
  'extMean5',
  'extVar5',
  'extLap5',
  'extMeanAll',
  'extVarAll',
  'extLapAll',
  'lapZ850',
];

/** Points read back at a time by the point-block readers (at most). */
export const POINT_BLOCK = 512;

/**
 * Bytes the extended EMOS fits hold per block of points (8 float32 fields × times × points): the block is
 * narrowed below POINT_BLOCK when the training years would exceed it, so that memory stays flat in the years.
 */
export const EXTENDED_BLOCK_BYTES = 16 * 2 ** 20;

/** Mean and variance (ddof 1) over the first m members of a [M, n] block. */
export function meanVar(
  block: Float32Array,
  m: number,
  n: number,
): { mean: Float32Array; variance: Float32Array } {
  const mean = new Float32Array(n);
  const variance = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += block[i * n + p];
    const mu = s / m;
    let ss = 0;
    for (let i = 0; i < m; i++) ss += (block[i * n + p] - mu) ** 2;
    mean[p] = mu;
    variance[p] = ss / (m - 1);
  }
  return { mean, variance };
}

/** An extended EMOS sample as extendedSamples computes it: every field float32. */
export interface ExtendedEmosSample32 extends ExtendedEmosSample {
  mean: Float32Array;
  variance: Float32Array;
  lapZ850?: Float32Array;
  lapTarget: Float32Array;
}

/**
 * The fields the extended EMOS variants read for one sample and target, for the subset and for all members:
 * target mean, variance, its Laplacian, and the Laplacian of the subset-mean z850 (null without z850).
 */
export function extendedSamples(
  s: LoadedSample,
  t: number,
  k: number,
  lead: number,
  g: ModelGrid,
  z850: number | null,
): Record<'subset' | 'all', ExtendedEmosSample32> {
  const n = g.ny * g.nx;
  const raw = s.rawMembers![t];
  const lap = (f: Float32Array) => sphericalLaplacian(f, g.latitudes, g.ny, g.nx);
  const lapZ850 = z850 === null ? undefined : lap(s.raw.bc[z850]);
  const validTime = s.init + lead * 3600;
  const one = (m: number): ExtendedEmosSample32 => {
    const { mean, variance } = meanVar(raw, m, n);
    return { validTime, mean, variance, lapZ850, lapTarget: lap(mean) };
  };
  return { subset: one(k), all: one(s.memberCount!) };
}

/** One target's rows on disk: row t = the SpillRow layout (ROW_BYTES_PER_POINT × n bytes). */
class SpillFile {
  private readonly fd: number;
  private rows = 0;
  private readonly rowBytes: number;
  /** Byte offset of each field in a row of n points. */
  private readonly offset: Record<FieldName, number>;

  constructor(
    readonly file: string,
    readonly n: number,
  ) {
    this.fd = openSync(file, 'w+');
    this.rowBytes = ROW_BYTES_PER_POINT * n;
    this.offset = new SpillRow(n).offset;
  }

  get times(): number {
    return this.rows;
  }

  append(row: SpillRow): void {
    const b = row.bytes;
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off, this.rows * this.rowBytes + off);
    this.rows++;
  }

  private readInto(dst: Buffer, position: number): void {
    let off = 0;
    while (off < dst.length) {
      const got = readSync(this.fd, dst, off, dst.length - off, position + off);
      if (got === 0) throw new MismatchError(`${this.file}: scratch file shorter than written`);
      off += got;
    }
  }

  /**
   * fn(t, fields) for every time in order; fields[f] holds field f at the points [p0, p1) as float64 (float32
   * fields widened, exactly), valid during the call.
   */
  read(
    p0: number,
    p1: number,
    fields: readonly FieldName[],
    fn: (t: number, f: Float64Array[]) => void,
  ): void {
    const w = p1 - p0;
    const buf = new Float64Array(fields.length * w);
    const views = fields.map((_, i) => buf.subarray(i * w, (i + 1) * w));
    const raw = Buffer.alloc(8 * w);
    const as64 = new Float64Array(raw.buffer, raw.byteOffset, w);
    const as32 = new Float32Array(raw.buffer, raw.byteOffset, w);
    for (let t = 0; t < this.rows; t++) {
      fields.forEach((name, i) => {
        const b = BYTES[name];
        const at = t * this.rowBytes + this.offset[name] + p0 * b;
        this.readInto(raw.subarray(0, b * w), at);
        views[i].set(b === 8 ? as64 : as32);
      });
      fn(t, views);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface TrainingStatsOptions {
  /** Members of the model's subset (k) and the Laplacian's z850 channel in raw.bc (null: none). */
  k: number;
  z850: number | null;
  lead: number;
  /** Compute the extended EMOS fields (Laplacians etc.; default true). */
  extended?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The training split's statistics per target, on disk until dispose(). */
export class TrainingStats {
  private constructor(
    /** The scratch folder of the spilled statistics (removed by dispose()). */
    readonly dir: string,
    private readonly files: SpillFile[],
    /** Training samples, raw members per sample, initialisation and valid times. */
    readonly times: number,
    readonly members: number,
    readonly initTimes: number[],
    readonly validTimes: number[],
    private readonly g: ModelGrid,
    private readonly grid: Grid,
    private readonly cfg: ModelConfig,
    private readonly lead: number,
    private readonly z850: number | null,
  ) {}

  /** One streamed pass over `inits` (the training split, in time order). */
  static async collect(
    index: ArchiveIndex,
    inits: readonly ArchiveInit[],
    cfg: ModelConfig,
    g: ModelGrid,
    grid: Grid,
    o: TrainingStatsOptions,
  ): Promise<TrainingStats> {
    const n = g.ny * g.nx;
    const dir = mkdtempSync(path.join(tmpdir(), 'epp-evaluate-'));
    const files = cfg.targets.map((_, t) => new SpillFile(path.join(dir, `target-${t}.bin`), n));
    const initTimes: number[] = [];
    let members = -1;
    try {
      const row = new SpillRow(n);
      for await (const s of streamSamples(
        index,
        inits,
        cfg,
        { rawMembers: true },
        { onProgress: o.onProgress },
      )) {
        const M = s.memberCount!;
        if (members < 0) members = M;
        else if (M !== members)
          throw new MismatchError(
            `${index.dir}: training sample ${new Date(s.init * 1000).toISOString()} has ${M} members, the first ${members}`,
          );
        initTimes.push(s.init);
        for (let t = 0; t < cfg.targets.length; t++) {
          const raw = s.rawMembers![t];
          const sub = { data: raw.subarray(0, o.k * n), members: o.k, points: n };
          const m5 = memberMean(sub);
          row.put64('mean5', m5);
          row.put64('var5', memberVariance(sub, 1, m5));
          row.put32('truth', s.raw.truth![t]);
          const all = { data: raw.subarray(0, M * n), members: M, points: n };
          const mA = memberMean(all);
          row.put64('meanAll', mA);
          row.put64('varAll', memberVariance(all, 1, mA));
          if (o.extended === false) {
            for (const f of EXTENDED_FIELDS) row.fill(f, NaN);
            files[t].append(row);
            continue;
          }
          const ext = extendedSamples(s, t, o.k, o.lead, g, o.z850);
          row.put32('extMean5', ext.subset.mean);
          row.put32('extVar5', ext.subset.variance);
          row.put32('extLap5', ext.subset.lapTarget);
          row.put32('extMeanAll', ext.all.mean);
          row.put32('extVarAll', ext.all.variance);
          row.put32('extLapAll', ext.all.lapTarget);
          if (ext.subset.lapZ850) row.put32('lapZ850', ext.subset.lapZ850);
          else row.fill('lapZ850', NaN);
          files[t].append(row);
        }
      }
    } catch (e) {
      for (const f of files) f.close();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return new TrainingStats(
      dir,
      files,
      initTimes.length,
      members,
      initTimes,
      initTimes.map((t) => t + o.lead * 3600),
      g,
      grid,
      cfg,
      o.lead,
      o.z850,
    );
  }

  /** Removes the scratch files. */
  dispose(): void {
    for (const f of this.files) f.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** EMOS rows of target t on the subset (mean5, var5) or on all members (meanAll, varAll). */
  private rows(t: number, members: 'subset' | 'all'): EmosRows {
    const file = this.files[t];
    const [mean, variance] =
      members === 'subset' ? (['mean5', 'var5'] as const) : (['meanAll', 'varAll'] as const);
    return {
      times: file.times,
      n: file.n,
      k: 1,
      resident: false,
      read: (p0, p1, fn) =>
        file.read(p0, p1, [mean, variance, 'truth'], (ti, [m, v, y]) =>
          fn(ti, { preds: m, stride: p1 - p0, variance: v, truth: y }),
        ),
    };
  }

  /**
   * EMOS (libs/emos, Gaussian) of target t, global or point by point, on the subset or on all members;
   * `units` of the target (default '1', then the diagnostic is the target key, else its variable).
   */
  fitEmos(t: number, members: 'subset' | 'all', pointByPoint: boolean, units = '1'): EmosCoefficients {
    const key = this.cfg.targets[t];
    return new EstimateEmos({ distribution: 'norm', pointByPoint }).processRows(this.rows(t, members), {
      label: `${this.times} training samples of ${key}`,
      diagnostic: units === '1' ? key : parseTargetKey(key).variable,
      units,
      ny: this.g.ny,
      nx: this.g.nx,
      grid: this.grid,
      leadHours: this.lead,
      initTime: this.initTimes.length ? Math.max(...this.initTimes) : undefined,
    });
  }

  /** Per-point quantiles q of target t's training truth (pointQuantiles over the training times). */
  truthQuantiles(t: number, qs: number[]): Float32Array[] {
    const file = this.files[t];
    const out = qs.map(() => new Float32Array(file.n));
    for (let p0 = 0; p0 < file.n; p0 += POINT_BLOCK) {
      const p1 = Math.min(file.n, p0 + POINT_BLOCK);
      const fields: Float32Array[] = [];
      file.read(p0, p1, ['truth'], (_ti, [y]) => fields.push(Float32Array.from(y)));
      qs.forEach((q, i) => out[i].set(pointQuantiles(fields, q), p0));
    }
    return out;
  }

  /**
   * Extended EMOS variants of target t (each on the subset or on all members), fitted block by block; a
   * block holds at most `blockBytes` (default EXTENDED_BLOCK_BYTES) of training fields, kept as float32 (their
   * stored type, so exact). The blocks come in order, so the result does not depend on their width.
   */
  fitExtended(
    t: number,
    variants: { kind: ExtendedEmosKind; members: 'subset' | 'all' }[],
    blockBytes = EXTENDED_BLOCK_BYTES,
  ): ExtendedEmos[] {
    const file = this.files[t];
    const n = file.n;
    const fitters = variants.map((v) => new ExtendedEmosFitter(v.kind, n));
    const names: FieldName[] = [
      'truth',
      'extMean5',
      'extVar5',
      'extLap5',
      'extMeanAll',
      'extVarAll',
      'extLapAll',
      'lapZ850',
    ];
    if (names.some((f) => FIELD_TYPES[f] !== 'f32'))
      throw new MismatchError(`${file.file}: extended EMOS fields must be stored as float32`);
    const width = Math.max(
      1,
      Math.min(POINT_BLOCK, Math.floor(blockBytes / (names.length * 4 * Math.max(1, file.times)))),
    );
    const hasZ850 = this.z850 !== null;
    for (let p0 = 0; p0 < n; p0 += width) {
      const p1 = Math.min(n, p0 + width);
      const truths: Float32Array[] = [];
      const samples: Record<'subset' | 'all', ExtendedEmosSample[]> = { subset: [], all: [] };
      file.read(p0, p1, names, (ti, f) => {
        const [y, m5, v5, l5, mA, vA, lA, lz] = f.map((a) => Float32Array.from(a));
        const validTime = this.validTimes[ti];
        const lapZ850 = hasZ850 ? lz : undefined;
        truths.push(y);
        samples.subset.push({ validTime, mean: m5, variance: v5, lapTarget: l5, lapZ850 });
        samples.all.push({ validTime, mean: mA, variance: vA, lapTarget: lA, lapZ850 });
      });
      variants.forEach((v, i) => fitters[i].fitPoints(p0, p1, samples[v.members], truths));
    }
    return fitters.map((f) => f.result());
  }
}
