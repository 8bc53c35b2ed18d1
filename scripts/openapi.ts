#!/usr/bin/env node
/**
 * `npm run -s openapi [-- --out FILE]`: write the OpenAPI document generated from the code (to FILE, or
 * stdout) and refresh the committed client types test/contract/epp-api.ts (openapi-typescript) that the
 * contract test drives the server with.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateClientTypes, generateOpenApiDocument } from '../apps/api/openapi/generate.js';

const args = process.argv.slice(2);
const i = args.indexOf('--out');
const doc = await generateOpenApiDocument();
const json = JSON.stringify(doc, null, 2) + '\n';
if (i >= 0 && args[i + 1]) writeFileSync(args[i + 1], json);
else process.stdout.write(json);
const types = path.resolve('test/contract/epp-api.ts');
writeFileSync(types, await generateClientTypes(doc));
process.stderr.write(`openapi: client types written to ${path.relative(process.cwd(), types)}\n`);
