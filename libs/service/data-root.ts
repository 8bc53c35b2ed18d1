/**
 * Every file path a client names is resolved inside the data root: no absolute paths, no `..`, and no
 * symbolic link that leads out of the root (the real path is checked, not just the string).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { EppError, FileAccessError, InvalidArgumentError } from '../contracts/errors.js';

/** A path that tries to leave the data root (403 at the API). */
export class PathOutsideRootError extends EppError {
  constructor(message: string) {
    super('PATH_OUTSIDE_ROOT', message);
  }
}

/** Resolve `relative` inside `root`; `mustExist` also checks the target exists and is a regular file. */
export function resolveInRoot(root: string, relative: string, opts: { mustExist?: boolean } = {}): string {
  if (typeof relative !== 'string' || relative.trim() === '' || relative.includes('\0'))
    throw new InvalidArgumentError('path must be a non-empty path relative to the data root');
  if (path.isAbsolute(relative) || /^[A-Za-z]:[\\/]/.test(relative))
    throw new PathOutsideRootError(`path ${JSON.stringify(relative)} must be relative to the data root`);
  const parts = relative.split(/[\\/]+/);
  if (parts.includes('..'))
    throw new PathOutsideRootError(`path ${JSON.stringify(relative)} must not contain '..'`);
  const rootReal = existsSync(root) ? realpathSync(root) : path.resolve(root);
  const target = path.resolve(rootReal, relative);
  if (!isInside(rootReal, target))
    throw new PathOutsideRootError(`path ${JSON.stringify(relative)} leaves the data root`);
  if (!existsSync(target)) {
    if (opts.mustExist) throw new FileAccessError(`no file ${JSON.stringify(relative)} under the data root`);
    return target;
  }
  const real = realpathSync(target);
  if (!isInside(rootReal, real))
    throw new PathOutsideRootError(`path ${JSON.stringify(relative)} is a link that leaves the data root`);
  if (opts.mustExist && !statSync(real).isFile())
    throw new FileAccessError(`${JSON.stringify(relative)} under the data root is not a file`);
  return real;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Identity of a file's content for job ids: size and modification time. */
export function fileStamp(file: string): string {
  const st = statSync(file);
  return `${st.size}:${Math.round(st.mtimeMs)}`;
}

/** `text` with every absolute path under the data root made relative to it (clients never see server paths). */
export function relativeToRoot(text: string, root: string): string {
  const roots = new Set([path.resolve(root)]);
  try {
    roots.add(realpathSync(root));
  } catch {
    /* the root does not exist (yet): its resolved name is all there is */
  }
  let out = text;
  // Longest first, so a root inside another is not cut in half.
  for (const r of [...roots].sort((a, b) => b.length - a.length)) out = out.split(`${r}${path.sep}`).join('');
  return out;
}
