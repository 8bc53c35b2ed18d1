/** `epp inspect` of a GRIB file: what its messages hold (parameters, level types and levels, members, times, steps, packings, grids). */
import { openGribIndex } from './open.js';

export interface GribSummary {
  messages: number;
  fields: number;
  editions: number[];
  parameters: {
    shortName: string;
    cfVarName: string;
    name: string;
    units: string;
    typeOfLevel: string;
    levels: number[];
    count: number;
  }[];
  members: number[];
  dataTypes: string[];
  referenceTimes: string[];
  stepsHours: number[];
  packings: number[];
  grids: { type: string; nx: number; ny: number; points: number }[];
}

const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

export async function summarizeGrib(path: string): Promise<GribSummary> {
  const ix = await openGribIndex(path);
  try {
    const fs = ix.fields;
    const params = new Map<string, GribSummary['parameters'][number]>();
    for (const f of fs) {
      const k = `${f.param.shortName}|${f.typeOfLevel}`;
      const p = params.get(k) ?? {
        shortName: f.param.shortName,
        cfVarName: f.param.cfVarName,
        name: f.param.name,
        units: f.param.units,
        typeOfLevel: f.typeOfLevel,
        levels: [],
        count: 0,
      };
      p.levels.push(f.level);
      p.count++;
      params.set(k, p);
    }
    const grids = new Map(
      fs.map((f) => [
        f.grid.key,
        { type: f.grid.type, nx: f.grid.nx, ny: f.grid.ny, points: f.grid.numberOfPoints },
      ]),
    );
    return {
      messages: new Set(fs.map((f) => f.message)).size,
      fields: fs.length,
      editions: sorted(fs.map((f) => f.edition)),
      parameters: [...params.values()].map((p) => ({ ...p, levels: sorted(p.levels) })),
      members: sorted(fs.flatMap((f) => (f.number === undefined ? [] : [f.number]))),
      dataTypes: [...new Set(fs.flatMap((f) => (f.dataType ? [f.dataType] : [])))],
      referenceTimes: sorted(fs.map((f) => f.refTime)).map((t) => new Date(t * 1000).toISOString()),
      stepsHours: sorted(fs.map((f) => f.stepHours)),
      packings: sorted(fs.map((f) => f.data.template)),
      grids: [...grids.values()],
    };
  } finally {
    ix.close();
  }
}

function ranges(xs: number[]): string {
  if (xs.length <= 12) return xs.join(', ');
  return `${xs.slice(0, 5).join(', ')}, … , ${xs.slice(-3).join(', ')} (${xs.length} values)`;
}

export function formatGribSummary(s: GribSummary): string {
  const lines = [`GRIB: ${s.messages} messages, ${s.fields} fields, edition ${s.editions.join('/')}`];
  lines.push('parameters:');
  for (const p of s.parameters)
    lines.push(
      `  ${p.shortName} (${p.cfVarName}) ${p.name} [${p.units}] on ${p.typeOfLevel}: ${ranges(p.levels)} — ${p.count} fields`,
    );
  lines.push(
    `members: ${s.members.length ? `${ranges(s.members)} (${s.members.length})` : 'none'}${s.dataTypes.length ? `; data types ${s.dataTypes.join(', ')}` : ''}`,
  );
  lines.push(
    `reference times: ${s.referenceTimes.length <= 6 ? s.referenceTimes.join(', ') : `${s.referenceTimes[0]} … ${s.referenceTimes.at(-1)} (${s.referenceTimes.length})`}`,
  );
  lines.push(`steps (h): ${ranges(s.stepsHours)}`);
  lines.push(
    `packing (data representation templates): ${s.packings.map((t) => (t === 0 ? 'simple' : `5.${t}`)).join(', ')}`,
  );
  lines.push(
    `grids: ${s.grids.map((g) => `${g.type} ${g.nx ? `${g.nx}×${g.ny}` : `${g.ny} rows`} (${g.points} points)`).join('; ')}`,
  );
  return lines.join('\n');
}
