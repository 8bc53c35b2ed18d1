/** `epp inspect`: a JSON-ready description of a NetCDF file (format, dims, variables, member axis). */
import { openDataset } from './open.js';
import type { Attributes, DimensionInfo, MemberAxis, NcType, NetcdfFormat } from './types.js';

export interface InspectReport {
  path: string;
  format: NetcdfFormat;
  dimensions: DimensionInfo[];
  variables: { name: string; dtype: NcType; dims: string[]; shape: number[]; attrs: Attributes }[];
  attrs: Attributes;
  memberAxis: MemberAxis | null;
}

export async function inspectFile(path: string): Promise<InspectReport> {
  const ds = await openDataset(path);
  try {
    return {
      path,
      format: ds.format,
      dimensions: ds.dimensions,
      variables: ds.variables.map(({ name, dtype, dims, shape, attrs }) => ({
        name,
        dtype,
        dims,
        shape,
        attrs,
      })),
      attrs: ds.attrs,
      memberAxis: ds.memberAxis(),
    };
  } finally {
    ds.close();
  }
}

function attrText(v: Attributes[string]): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** ncdump-like text. */
export function formatInspect(r: InspectReport): string {
  const lines = [`${r.path}`, `format: ${r.format}`];
  lines.push(`member axis: ${r.memberAxis ? `${r.memberAxis.name} (${r.memberAxis.size})` : 'none'}`);
  lines.push('dimensions:');
  for (const d of r.dimensions) lines.push(`  ${d.name} = ${d.unlimited ? `UNLIMITED (${d.size})` : d.size}`);
  lines.push('variables:');
  for (const v of r.variables) {
    lines.push(`  ${v.dtype} ${v.name}(${v.dims.join(', ')})  shape [${v.shape.join(', ')}]`);
    for (const [k, a] of Object.entries(v.attrs)) lines.push(`      ${k} = ${attrText(a)}`);
  }
  lines.push('global attributes:');
  for (const [k, a] of Object.entries(r.attrs)) lines.push(`  ${k} = ${attrText(a)}`);
  return lines.join('\n');
}
