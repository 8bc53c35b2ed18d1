/** A Dataset over any RawStore: variable lookup, slice validation, CF decoding, time and member axis. */
import { DataError, NotFoundInFileError } from '../contracts/errors.js';
import { decodeValues } from './cf.js';
import { findMemberAxis } from './members.js';
import { resolveSlice } from './slice.js';
import type { NumericArray, RawStore } from './store.js';
import { parseTimeUnits, toEpochSeconds } from './time.js';
import type {
  Attributes,
  Dataset,
  DecodedVariable,
  DimensionInfo,
  MemberAxis,
  NcType,
  NetcdfFormat,
  Slice,
  VariableInfo,
} from './types.js';

export class NcDataset implements Dataset {
  private readonly byName: Map<string, VariableInfo>;

  constructor(private readonly store: RawStore) {
    this.byName = new Map(store.variables.map((v) => [v.name, v]));
  }

  get path(): string {
    return this.store.path;
  }
  get format(): NetcdfFormat {
    return this.store.format;
  }
  get dimensions(): DimensionInfo[] {
    return this.store.dimensions;
  }
  get variables(): VariableInfo[] {
    return this.store.variables;
  }
  get attrs(): Attributes {
    return this.store.attrs;
  }
  /** Stored types of the global attributes. */
  get attrTypes(): Record<string, NcType> {
    return this.store.attrTypes;
  }

  variable(name: string): VariableInfo {
    const v = this.byName.get(name);
    if (!v)
      throw new NotFoundInFileError(
        `${this.path}: no variable '${name}'; the file has: ${[...this.byName.keys()].join(', ')}`,
      );
    return v;
  }

  hasVariable(name: string): boolean {
    return this.byName.has(name);
  }

  readRaw(name: string, slice?: Slice): { data: NumericArray | string[]; dims: string[]; shape: number[] } {
    const v = this.variable(name);
    const { start, count } = resolveSlice(this.path, v, slice);
    return { data: this.store.read(v, start, count), dims: v.dims, shape: count };
  }

  readVariable(name: string, slice?: Slice): DecodedVariable {
    const v = this.variable(name);
    const { start, count } = resolveSlice(this.path, v, slice);
    const raw = this.store.read(v, start, count);
    if (Array.isArray(raw))
      throw new DataError(`${this.path}: variable '${name}' holds text (${v.dtype}), not numbers`);
    return { name, data: decodeValues(raw, v), dims: v.dims, shape: count, attrs: v.attrs };
  }

  readTime(name: string): Float64Array {
    const v = this.variable(name);
    const units = v.attrs.units;
    const where = `${this.path}: variable '${name}'`;
    if (typeof units !== 'string') throw new DataError(`${where} has no time units`);
    const cal = typeof v.attrs.calendar === 'string' ? v.attrs.calendar : undefined;
    const u = parseTimeUnits(units, cal, where);
    return toEpochSeconds(this.readVariable(name).data, u);
  }

  memberAxis(): MemberAxis | null {
    return findMemberAxis(this.dimensions, this.variables);
  }

  close(): void {
    this.store.close();
  }
}
