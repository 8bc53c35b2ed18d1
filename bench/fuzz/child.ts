/**
 * One fuzz case, in its own process: `node child.js <format> <file> <valuesOut>`. Reads the file with the
 * format's reader and prints one JSON line: `{ok: true, variables}` (values written to <valuesOut>) or
 * `{ok: false, typed, name, code, message}`; peak RSS from getrusage. Anything else (a crash, a hang, an
 * out-of-memory death) is what the parent classifies from the outside.
 */
import { writeFileSync } from 'node:fs';
import { EppError } from '../../libs/contracts/errors.js';
import { FORMATS } from './formats.js';

const [format, file, valuesOut] = process.argv.slice(2);
const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;
try {
  const vars = await FORMATS[format].read(file);
  const parts: Buffer[] = [];
  const meta = vars.map((v) => {
    if (v.values) parts.push(Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength));
    return { name: v.name, dtype: v.dtype, fill: v.fill, n: v.values ? v.values.length : -1 };
  });
  writeFileSync(valuesOut, Buffer.concat(parts));
  process.stdout.write(JSON.stringify({ ok: true, variables: meta, maxRssMiB: maxRssMiB() }) + '\n');
} catch (err) {
  const e = err as Error;
  process.stdout.write(
    JSON.stringify({
      ok: false,
      typed: err instanceof EppError,
      name: e?.constructor?.name ?? typeof err,
      code: err instanceof EppError ? err.code : undefined,
      message: e instanceof Error ? e.message : String(err),
      maxRssMiB: maxRssMiB(),
    }) + '\n',
  );
}
