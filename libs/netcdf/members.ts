/** Ensemble member axis detection (DESIGN §3): by dimension name, else by a realization coordinate. */
import type { MemberAxis, VariableInfo, DimensionInfo } from './types.js';

/** Dimension names that hold ensemble members, in order of preference (ECMWF, Met Office, CF/others). */
export const MEMBER_DIM_NAMES = ['number', 'realization', 'member', 'ensemble_member'];

export function findMemberAxis(dims: DimensionInfo[], vars: VariableInfo[]): MemberAxis | null {
  for (const name of MEMBER_DIM_NAMES) {
    const d = dims.find((x) => x.name === name);
    if (d) return { name: d.name, size: d.size };
  }
  // A 1-D variable with standard_name = realization names the member dimension (CF standard name table).
  const v = vars.find((x) => x.attrs.standard_name === 'realization' && x.dims.length === 1);
  if (v) {
    const d = dims.find((x) => x.name === v.dims[0]);
    if (d) return { name: d.name, size: d.size };
  }
  return null;
}
