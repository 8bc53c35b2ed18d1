/**
 * The OpenAPI document is a contract: generated from the code, it passes `redocly lint` with the
 * recommended rules (0 errors), every operation declares its success body and its error envelope, the
 * security scheme is an opaque bearer key, and the committed client types are what it generates.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateClientTypes, generateOpenApiDocument } from '../../apps/api/openapi/generate.js';

type Op = {
  operationId: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

describe('OpenAPI document', () => {
  let doc: OpenAPIObject;
  let dir: string;
  const ops: [string, string, Op][] = [];
  beforeAll(async () => {
    doc = await generateOpenApiDocument();
    dir = mkdtempSync(path.join(os.tmpdir(), 'epp-oas-'));
    for (const [p, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item as Record<string, Op>)) ops.push([method, p, op]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('redocly lint (recommended rules): 0 errors', () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = path.resolve('node_modules/@redocly/cli/bin/cli.js');
    const r = spawnSync(
      process.execPath,
      [cli, 'lint', file, '--extends', 'recommended', '--format', 'json'],
      {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { severity: string; ruleId: string; message: string }[];
    };
    const errors = out.problems.filter((p) => p.severity === 'error');
    expect(errors.map((e) => `${e.ruleId}: ${e.message}`)).toEqual([]);
    expect(out.totals.errors).toBe(0);
    expect(r.status).toBe(0);
  }, 60000);

  test('every operation: a summary, a success body, the error envelope, and a security statement', () => {
    expect(ops.length).toBeGreaterThanOrEqual(21);
    for (const [method, p, op] of ops) {
      const where = `${method.toUpperCase()} ${p}`;
      expect([where, typeof op.summary]).toEqual([where, 'string']);
      const ok = Object.entries(op.responses).filter(([s]) => /^2\d\d$/.test(s));
      expect([
        where,
        ok.length > 0 && ok.every(([, r]) => r.content && Object.keys(r.content).length > 0),
      ]).toEqual([where, true]);
      expect([where, Array.isArray(op.security)]).toEqual([where, true]);
      if (op.security!.length > 0)
        expect([where, op.responses['401']?.content?.['application/json']?.schema?.$ref]).toEqual([
          where,
          '#/components/schemas/ErrorDto',
        ]);
    }
    const scheme = doc.components!.securitySchemes!.bearer as unknown as Record<string, unknown>;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(scheme.bearerFormat).toBeUndefined();
  });

  test('request bodies: every POST has one; the multipart upload has its `file` field', () => {
    for (const [method, p, op] of ops.filter(([m]) => m === 'post'))
      expect([method, p, !!op.requestBody]).toEqual([method, p, true]);
    const submit = ops.find(([m, p]) => m === 'post' && p === '/v1/forecasts')![2];
    expect(submit.requestBody!.content['multipart/form-data'].schema).toEqual({
      $ref: '#/components/schemas/ForecastUploadDto',
    });
    const upload = doc.components!.schemas!.ForecastUploadDto as { properties: Record<string, unknown> };
    expect(upload.properties.file).toMatchObject({ type: 'string', format: 'binary' });
  });

  test('the committed client types (test/contract/epp-api.ts) are what the document generates', async () => {
    const committed = readFileSync(path.resolve('test/contract/epp-api.ts'), 'utf8');
    const fresh = await generateClientTypes(doc);
    // Fails after an API change until `npm run build && npm run -s openapi` refreshes the file.
    expect(committed === fresh).toBe(true);
  });
});
