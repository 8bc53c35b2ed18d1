/**
 * How deeply a JSON text nests, counted on the raw bytes before it is parsed (linear, no recursion), so a
 * body nested thousands deep is refused with 400 before anything walks it recursively.
 */
import { InvalidArgumentError } from '../../libs/contracts/errors.js';

/** Largest nesting of objects/arrays a request body may have (requests need 3). */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of `[`/`{` in a JSON text (brackets inside strings do not count). */
export function jsonDepth(buf: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Refuse a body nested deeper than MAX_JSON_DEPTH (400, INVALID_ARGUMENT), before it is parsed. */
export function verifyJsonDepth(buf: Uint8Array): void {
  const depth = jsonDepth(buf);
  if (depth > MAX_JSON_DEPTH)
    throw new InvalidArgumentError(
      `request body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`,
    );
}
