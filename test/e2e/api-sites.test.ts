/** Site jobs (issue 12) through the embedded service: fit → poll → predict → download → station, and bad input. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRealData } from '../helpers/realData.js';
import { addSiteArchive, siteScenario } from './helpers/siteScenario.js';
import { removeDataRoot, requireBuild, startApi, type Api } from './helpers/service.js';

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
});
