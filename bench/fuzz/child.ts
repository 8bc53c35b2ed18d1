/**
 * The fuzz cases' process: reads one request per line on stdin (`{"format", "file", "valuesOut"}`), reads
 * the file with the format's reader and answers one JSON line per case: `{ok: true, variables}` (values
 * written to valuesOut) or `{ok: false, typed, name, code, message}`. The parent times each case, resets
 * and reads this process's peak RSS around it (/proc/<pid>/clear_refs, VmHWM), kills the process at the
 * limits and starts a fresh one; a crash, hang or out-of-memory death is classified from the outside.
 */
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { EppError } from '../../libs/contracts/errors.js';
import { FORMATS } from './formats.js';

async function runCase(format: string, file: string, valuesOut: string): Promise<unknown> {
  try {
    const vars = await FORMATS[format].read(file);
    const parts: Buffer[] = [];
    const meta = vars.map((v) => {
      if (v.values) parts.push(Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength));
      // NaN and ±Infinity do not survive JSON: the fill value travels as text.
      return {
        name: v.name,
        dtype: v.dtype,
        fill: v.fill === undefined ? undefined : String(v.fill),
        n: v.values ? v.values.length : -1,
      };
    });
    writeFileSync(valuesOut, Buffer.concat(parts));
    return { ok: true, variables: meta };
  } catch (err) {
    const e = err as Error;
    return {
      ok: false,
      typed: err instanceof EppError,
      name: e?.constructor?.name ?? typeof err,
      code: err instanceof EppError ? err.code : undefined,
      message: e instanceof Error ? e.message : String(err),
    };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { format, file, valuesOut } = JSON.parse(line) as Record<string, string>;
  process.stdout.write(JSON.stringify(await runCase(format, file, valuesOut)) + '\n');
}
