/**
 * Site jobs (issue 12) through the embedded service: fit → poll → predict → download → station, and bad input;
 * then the model listing names the site models the scenario fitted.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRealData } from '../helpers/realData.js';
import { addSiteArchive, siteScenario } from './helpers/siteScenario.js';
import { KEYS, removeDataRoot, requireBuild, startApi, type Api, type Json } from './helpers/service.js';

describeRealData('e2e: site jobs, embedded mode', () => {
  let api: Api;
  let dataDir: string;
  beforeAll(async () => {
    requireBuild();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-e2e-sites-'));
    addSiteArchive(dataDir);
    api = await startApi({ dataDir, extra: { EPP_UPLOAD_LIMIT: '6mb', EPP_TF_BACKEND: 'cpu' } });
  }, 90000);
  afterAll(async () => {
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  siteScenario(() => ({ api, dataDir }));

  test('GET /v1/models names the site models: kind, variable, method, members, training period', async () => {
    const r = await api.req('GET', '/v1/models', { key: KEYS.read });
    expect(r.status).toBe(200);
    const byId = new Map<string, Json>(r.body.models.map((m: Json): [string, Json] => [m.id, m]));
    const common = {
      variable: 'air_temperature',
      members: [0, 1, 2, 3, 4, 5],
      membersInFile: 11,
      trainFrom: '2008-01-01T00:00:00.000Z',
      trainTo: '2011-01-01T00:00:00.000Z',
      stations: 1,
    };
    for (const [id, method] of [
      ['ibk-tmin', 'emos'],
      ['ibk-tmin-drn', 'drn'],
    ]) {
      const m = byId.get(id);
      expect([id, m?.kinds, m?.version]).toEqual([id, ['site'], 'v1']);
      expect(m.site).toMatchObject({ ...common, method });
      expect(m.site.pairs).toBeGreaterThan(0);
      const versions = (m.versions as Json[]).map((v): unknown[] => [v.version, v.kinds, v.site]);
      expect(versions).toEqual([['v1', ['site'], m.site]]);
    }
    // A gridded model names no site model.
    expect(byId.get('default')).toMatchObject({ site: null });
    expect(byId.get('default').kinds).not.toContain('site');
    const one = await api.req('GET', '/v1/models/ibk-tmin', { key: KEYS.read });
    expect(one.body.site).toEqual(byId.get('ibk-tmin').site);
  });
});
