/**
 * The embedded service driven by a client generated from its OpenAPI document (openapi-typescript types,
 * openapi-fetch): submit → poll → download → point query → list; then a restart keeps every job record,
 * a cancelled running job stops and leaves no partial output, and deleting a finished job removes it
 * with its outputs.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import createClient from 'openapi-fetch';
import type { paths } from '../contract/epp-api.js';
import { describeRealData } from '../helpers/realData.js';
import { KEYS, makeDataRoot, removeDataRoot, requireBuild, startApi, type Api } from './helpers/service.js';

function clientOf(api: Api) {
  return createClient<paths>({ baseUrl: api.url, headers: { authorization: `Bearer ${KEYS.admin}` } });
}

async function waitState(
  client: ReturnType<typeof clientOf>,
  id: string,
  done: (state: string) => boolean,
  timeoutMs = 60000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    if (data && done(data.state)) return data;
    if (Date.now() > deadline) throw new Error(`job ${id}: still ${data?.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeRealData('e2e: generated OpenAPI client against the embedded service', () => {
  let api: Api | undefined;
  let dataDir: string;
  beforeAll(() => {
    requireBuild();
    dataDir = makeDataRoot();
  });
  afterAll(async () => {
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  test('submit → poll → download → point → list; restart keeps records; cancel; delete', async () => {
    api = await startApi({ dataDir });
    let client = clientOf(api);
    const health = await client.GET('/health');
    expect(health.data!.version).toMatch(/^\d+\.\d+\.\d+/);
    const submitted = await client.POST('/v1/forecasts', {
      body: {
        source: { path: 'inbox/era5.nc' },
        variable: 't',
        level: 850,
        method: 'raw',
        thresholds: [273.15],
      },
    });
    expect(submitted.response.status).toBe(202);
    const id = submitted.data!.id;
    expect(submitted.data!.links.nc).toBe(`/v1/forecasts/${id}/result.nc`);

    const done = await waitState(client, id, (s) => s === 'completed' || s === 'failed');
    expect(done.state).toBe('completed');
    expect(done.error).toBeNull();

    const nc = await client.GET('/v1/forecasts/{id}/result.nc', {
      params: { path: { id } },
      parseAs: 'arrayBuffer',
    });
    expect(nc.response.status).toBe(200);
    expect(Buffer.from(nc.data!).subarray(0, 3).toString('latin1')).toBe('CDF');

    const point = await client.GET('/v1/forecasts/{id}/point', {
      params: { path: { id }, query: { lat: 51.5, lon: -0.1 } },
    });
    expect(point.response.status).toBe(200);
    expect(point.data!.variable).toBe('t');
    expect(point.data!.mean).toBeGreaterThan(200);
    expect(point.data!.probabilities!['273.15']).toBeGreaterThanOrEqual(0);

    const bad = await client.GET('/v1/forecasts/{id}/point', {
      params: { path: { id }, query: { lat: 95, lon: 0 } },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error!.error.code).toBe('INVALID_ARGUMENT');

    const listed = await client.GET('/v1/jobs', {
      params: { query: { state: 'completed', queue: 'forecast' } },
    });
    expect(listed.data!.jobs.map((j) => j.id)).toContain(id);
    expect(listed.data!.total).toBe(1);

    // Restart: the record (state, result) is still there; a slow job for the cancel check next.
    await api.stop('SIGTERM');
    api = await startApi({ dataDir, extra: { EPP_JOB_DELAY_MS: '30000' } });
    client = clientOf(api);
    const again = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    expect(again.response.status).toBe(200);
    expect(again.data).toMatchObject({
      id,
      state: 'completed',
      result: done.result,
      finishedAt: done.finishedAt,
    });

    const slow = await client.POST('/v1/forecasts', {
      body: {
        source: { path: 'inbox/era5.nc' },
        variable: 't',
        level: 850,
        method: 'raw',
        percentiles: [5, 95],
      },
    });
    const slowId = slow.data!.id;
    await waitState(client, slowId, (s) => s === 'active', 20000);
    const t0 = Date.now();
    const cancel = await client.DELETE('/v1/jobs/{id}', { params: { path: { id: slowId } } });
    expect(cancel.data).toEqual({ id: slowId, outcome: 'cancelled' });
    expect(Date.now() - t0).toBeLessThan(5000); // stopped, not waited out (the job would take 30 s)
    const cancelled = await client.GET('/v1/jobs/{id}', { params: { path: { id: slowId } } });
    expect(cancelled.data).toMatchObject({ state: 'cancelled', result: null });
    await new Promise((r) => setTimeout(r, 1000));
    const outputs = path.join(dataDir, 'outputs');
    expect(readdirSync(outputs).filter((n) => n.includes(slowId))).toEqual([]);

    const deleted = await client.DELETE('/v1/jobs/{id}', { params: { path: { id } } });
    expect(deleted.data).toEqual({ id, outcome: 'deleted' });
    expect(existsSync(path.join(outputs, id))).toBe(false);
    const gone = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    expect(gone.response.status).toBe(404);
  }, 180000);
});
