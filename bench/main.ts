#!/usr/bin/env node
/**
 * Benchmarks: `npm run -s bench -- <name> [--json] [options]`. Each benchmark lives in bench/<name>/main.ts,
 * exports `run(argv)`, and prints JSON (with --json) and a table, comparing alternatives side by side in one run.
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(here, d.name, 'main.js')))
  .map((d) => d.name)
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  process.stderr.write(`usage: npm run -s bench -- <${names.join('|')}> [--json]\n`);
  process.exit(2);
}
const mod = (await import(path.join(here, name, 'main.js'))) as { run: (argv: string[]) => Promise<void> };
await mod.run(rest);
