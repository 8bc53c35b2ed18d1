/**
 * netCDF's rule for names (netCDF-C NC_check_name, the "Names" section of the netCDF User Guide): valid
 * UTF-8, at most NC_MAX_NAME (256) bytes, a first character that is a letter, a digit, '_' or a multi-byte
 * character, no control characters, '/' or DEL, and no trailing space. netCDF-C refuses a file whose names
 * break it as soon as they are looked up ("Name contains illegal characters"), so the readers refuse it too.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why `bytes` is not a valid netCDF name, or null. */
export function nameProblem(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'an empty name';
  if (bytes.length > 256) return `a name of ${bytes.length} bytes (netCDF allows 256)`;
  try {
    UTF8.decode(bytes);
  } catch {
    return 'a name that is not valid UTF-8';
  }
  const first = bytes[0];
  if (first < 0x80 && !/[A-Za-z0-9_]/.test(String.fromCharCode(first)))
    return `a name starting with ${JSON.stringify(String.fromCharCode(first))}`;
  for (const b of bytes)
    if (b < 0x20 || b === 0x7f || b === 0x2f) return 'a name with a control character or /';
  if (bytes[bytes.length - 1] === 0x20) return 'a name ending in a space';
  return null;
}

/** The name decoded, or null when it breaks the rule. */
export function decodeName(bytes: Uint8Array): string | null {
  return nameProblem(bytes) ? null : UTF8.decode(bytes);
}
