/**
 * POST /v1/reports in embedded mode on the real MOGREPS-UK screen temperatures (IMPROVER test data): EMOS
 * fitted on 2017-06-02/03, the report for 2017-06-04, progress through the job API, then the downloads.
 * The raw CRPS is checked against the data README's numpy reference (0.2983 on 2017-06-04).
 */
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRealData, realFile, realSiteFile } from '../helpers/realData.js';
import {
  KEYS,
  makeDataRoot,
  removeDataRoot,
  requireBuild,
  startApi,
  waitForJob,
  type Api,
} from './helpers/service.js';

const DIR = 'improver_test_data/estimate-emos-coefficients/normal';
const DAYS = ['20170602', '20170603', '20170604'];

describeRealData('e2e: case-study reports (embedded mode)', () => {
  let api: Api;
  let dataDir: string;
  let id = '';
  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataRoot();
    const base = path.join(dataDir, 'cases/mogreps');
    mkdirSync(path.join(base, 'history'), { recursive: true });
    mkdirSync(path.join(base, 'truth'), { recursive: true });
    for (const d of DAYS) {
      const fc = `${d}T0300Z-PT0012H-temperature_at_screen_level.nc`;
      const tr = `${d}T1500Z-PT0000H-temperature_at_screen_level.nc`;
      copyFileSync(realFile(`${DIR}/history/${fc}`), path.join(base, 'history', fc));
      copyFileSync(realFile(`${DIR}/truth/${tr}`), path.join(base, 'truth', tr));
    }
    // A link inside the root that points out of it.
    symlinkSync(os.tmpdir(), path.join(dataDir, 'cases/escape'));
    api = await startApi({ dataDir });
  }, 90000);
  afterAll(async () => {
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  const request = {
    data: 'cases/mogreps',
    variable: 'air_temperature',
    model: 'emos',
    from: '2017-06-04',
    to: '2017-06-04',
    pdf: false,
  };

  test('POST queues a report (submit role), idempotent; the read role may not submit', async () => {
    const denied = await api.req('POST', '/v1/reports', { key: KEYS.read, json: request });
    expect(denied.status).toBe(403);
    const r = await api.req('POST', '/v1/reports', { key: KEYS.submit, json: request });
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(/^rp-[0-9a-f]{24}$/);
    expect(r.body.created).toBe(true);
    id = r.body.id;
    const again = await api.req('POST', '/v1/reports', { key: KEYS.submit, json: request });
    expect(again.body.id).toBe(id);
    expect(again.body.created).toBe(false);
  });

  test('the job completes with progress; report.html and scores.json download', async () => {
    const seen = new Set<number>();
    const deadline = Date.now() + 240_000;
    for (;;) {
      const r = await api.req('GET', `/v1/reports/${id}`, { key: KEYS.read });
      expect(r.status).toBe(200);
      seen.add(r.body.progress);
      if (r.body.state === 'completed' || r.body.state === 'failed') break;
      if (Date.now() > deadline) throw new Error(`report ${id} not finished: ${r.text}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    const job = await waitForJob(api, id, 1000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    // Progress went through intermediate values (not just 0 → 1).
    expect([...seen].some((p) => p > 0 && p < 1)).toBe(true);
    expect(job.result.outputs).toEqual({
      html: `outputs/${id}/report.html`,
      json: `outputs/${id}/scores.json`,
      pdf: null,
    });
    expect(job.result.validTimes).toEqual(['2017-06-04T15:00:00.000Z']);

    const view = await api.req('GET', `/v1/reports/${id}`, { key: KEYS.read });
    expect(view.body.links['report.html']).toBe(`/v1/reports/${id}/report.html`);
    expect(view.body.links['report.pdf']).toBeUndefined();

    const html = await api.req('GET', `/v1/reports/${id}/report.html`, { key: KEYS.read });
    expect(html.status).toBe(200);
    expect(html.text.length).toBeGreaterThan(10_000);
    expect(html.text).toMatch(/<table/);
    expect(html.text).toMatch(/CRPS/);

    const scores = await api.req('GET', `/v1/reports/${id}/scores.json`, { key: KEYS.read });
    expect(scores.status).toBe(200);
    const byKey = Object.fromEntries(
      (scores.body.scores as { key: string; crps: number }[]).map((s) => [s.key, s]),
    );
    // The data README's numpy reference for 2017-06-04: raw CRPS 0.2983.
    expect(byKey.raw12.crps).toBeCloseTo(0.2983, 4);
    expect(byKey.emos.crps).toBeLessThan(byKey.raw12.crps);

    const pdf = await api.req('GET', `/v1/reports/${id}/report.pdf`, { key: KEYS.read });
    expect(pdf.status).toBe(404);
  }, 300_000);

  test('bad requests are 400, paths leaving the data root 403, unknown ids 404', async () => {
    const post = (json: unknown) => api.req('POST', '/v1/reports', { key: KEYS.submit, json });
    const noVar = await post({ ...request, variable: undefined });
    expect(noVar.status).toBe(400);
    expect(noVar.body.error.message).toMatch(/variable/);
    expect((await post({ ...request, event: 'x' })).status).toBe(400);
    expect((await post({ ...request, pdf: 'yes' })).status).toBe(400);
    expect((await post({ ...request, bbox: [1, 2, 3] })).status).toBe(400);
    expect((await post({ ...request, out: '/tmp/x' })).status).toBe(400);
    const dotdot = await post({ ...request, data: '../../etc' });
    expect(dotdot.status).toBe(403);
    expect(dotdot.body.error.code).toBe('PATH_OUTSIDE_ROOT');
    expect((await post({ ...request, data: '/etc' })).status).toBe(403);
    expect((await post({ ...request, data: 'cases/escape' })).status).toBe(403);
    expect((await post({ ...request, data: 'cases/none' })).status).toBe(404);
    expect((await post({ ...request, model: 'nomodel' })).status).toBe(422);
    expect((await api.req('GET', '/v1/reports/rp-000000000000000000000000', { key: KEYS.read })).status).toBe(
      404,
    );
    expect((await api.req('GET', '/v1/reports/fc-000/report.html', { key: KEYS.read })).status).toBe(404);
  });

  test('a sites report (kind "sites") on Innsbruck\'s coldest nights: raw all/half, EMOS and DRN, PDF', async () => {
    const site = path.join(dataDir, 'cases/innsbruck');
    mkdirSync(site, { recursive: true });
    for (const f of ['forecast.nc', 'observation.csv'])
      copyFileSync(realSiteFile(`gefs-innsbruck-tmin/${f}`), path.join(site, f));
    const body = {
      kind: 'sites',
      data: 'cases/innsbruck',
      variable: 'air_temperature',
      extreme: 'min',
      events: 2,
    };
    const post = (json: unknown) => api.req('POST', '/v1/reports', { key: KEYS.submit, json });
    expect((await post({ ...body, model: 'emos' })).status).toBe(400);
    expect((await post({ ...body, events: 0 })).status).toBe(400);
    expect((await post({ ...request, events: 3 })).status).toBe(400);
    expect((await post({ ...body, data: 'cases/mogreps' })).status).toBe(404);
    const r = await post(body);
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 360_000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    expect(job.result.validTimes).toHaveLength(2);
    expect(job.result.outputs.pdf).toBe(`outputs/${r.body.id}/report.pdf`);
    const scores = await api.req('GET', `/v1/reports/${r.body.id}/scores.json`, { key: KEYS.read });
    expect(scores.body.systems.map((s: { key: string }) => s.key)).toEqual([
      'raw_all',
      'raw_k',
      'emos',
      'drn',
    ]);
    expect(scores.body.members).toEqual({ all: 11, k: 6 });
    expect(scores.body.run.forecast).toBe('cases/innsbruck/forecast.nc');
    // The two coldest nights, each below its threshold (the station's 1st percentile of the other years).
    for (const e of scores.body.events) expect(e.observed).toBeLessThan(e.threshold);
    const html = await api.req('GET', `/v1/reports/${r.body.id}/report.html`, { key: KEYS.read });
    expect(html.text).toContain('Fan charts');
    expect(html.text).not.toContain(dataDir);
    const pdf = await api.req('GET', `/v1/reports/${r.body.id}/report.pdf`, { key: KEYS.read });
    expect(pdf.status).toBe(200);
  }, 400_000);
});
