/** The service in embedded mode (no Redis): `npm start` as one process runs the API and the worker. */
import { describeRealData } from '../helpers/realData.js';
import { forecastScenario } from './helpers/scenario.js';
import { mixedScenario } from './helpers/mixedScenario.js';
import { makeDataRoot, removeDataRoot, requireBuild, startApi, type Api } from './helpers/service.js';

describeRealData('e2e: embedded mode (in-process queue)', () => {
  let api: Api;
  let dataDir: string;
  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataRoot();
    api = await startApi({ dataDir, extra: { EPP_BODY_LIMIT: '64kb', EPP_UPLOAD_LIMIT: '6mb' } });
  }, 90000);
  afterAll(async () => {
    // Graceful stop: Nest's shutdown hooks close the queue, then re-raise SIGTERM.
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  forecastScenario(() => ({ api, dataDir }));
  mixedScenario(() => ({ api, dataDir }));
});
