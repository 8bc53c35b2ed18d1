/**
 * The OpenAPI document, generated from the controllers' decorators: an opaque API-key bearer scheme
 * (keys are random strings, not JWTs), tag descriptions, and an explicit empty security list on the open
 * routes (/health, /metrics) so every operation states how it is authorised.
 */
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EPP_VERSION } from '../../../libs/contracts/version.js';
import { MULTIPART_SCHEMA } from './decorators.js';

export const SECURITY_SCHEME = 'bearer';

const TAGS: [string, string][] = [
  ['forecasts', 'submit post-processing of an ensemble NetCDF file; download and query its products'],
  ['jobs', 'state, progress, results of every job; list, cancel, delete'],
  ['models', 'trained mixed models and EMOS coefficients, with versions, training data and test scores'],
  ['datasets', 'forecast files under the data root'],
  ['reports', 'extreme-event case-study reports'],
  ['sites', 'station (site) forecasts: upload, fit EMOS/DRN site models, predict, query a station'],
  ['batches', 'the nightly batch'],
  ['health', 'liveness and Prometheus metrics (no key needed)'],
];

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('epp — ensemble post-processing')
    .setDescription(
      'Submit post-processing of ensemble NetCDF forecasts (raw, EMOS, mixed deep model), follow jobs, download calibrated products. Every error is `{"error": {"code", "message"}}`.',
    )
    .setVersion(EPP_VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'the server this document was fetched from')
    .addSecurity(SECURITY_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description:
        'an opaque API key (EPP_API_KEYS, or the generated admin key in data/keys/admin.key): `Authorization: Bearer <key>`',
    });
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  type Op = {
    security?: unknown[];
    responses?: unknown;
    requestBody?: { content?: Record<string, { schema?: unknown; examples?: unknown }> };
    [MULTIPART_SCHEMA]?: string;
  };
  for (const item of Object.values(doc.paths))
    for (const op of Object.values(item as Record<string, Op | undefined>)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      if (!op.security) op.security = [];
      const multipart = op[MULTIPART_SCHEMA];
      if (multipart) {
        delete op[MULTIPART_SCHEMA];
        const content = op.requestBody?.content?.['multipart/form-data'];
        if (content) {
          content.schema = { $ref: multipart };
          delete content.examples; // the JSON examples do not fit the form fields
        }
      }
    }
  return doc;
}
