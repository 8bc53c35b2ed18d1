/**
 * The MOGREPS-UK EMOS case study (2017-06-04, EMOS fitted on 06-02 and 06-03) on the real IMPROVER data:
 * rendered in headless Chromium with every image loaded and no console error, and its numbers equal to
 * libs/scoring's scoreFiles (the library behind `epp score`) on the same files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRealData, realFile, REAL_DATA_DIR } from '../helpers/realData.js';
import { ABSOLUTE_PATH, readReport, withoutImages } from '../helpers/reportChecks.js';
import { buildCaseStudyReport, type CaseStudyResult } from '../../libs/pipeline/report/index.js';
import { findChromium, openReportPage } from '../../libs/report/browser.js';
import { scoreFiles } from '../../libs/scoring/files.js';
import { EstimateEmos, ApplyEmos } from '../../libs/emos/index.js';
import { readEnsemble, readField } from '../../libs/ensemble/read.js';
import { ScoreSet } from '../../libs/scoring/index.js';

const DIR = 'improver_test_data/estimate-emos-coefficients/normal';
const days = ['20170602', '20170603', '20170604'];
const fc = (d: string): string =>
  realFile(`${DIR}/history/${d}T0300Z-PT0012H-temperature_at_screen_level.nc`);
const tr = (d: string): string => realFile(`${DIR}/truth/${d}T1500Z-PT0000H-temperature_at_screen_level.nc`);

describeRealData('epp report on MOGREPS-UK with EMOS (real data)', () => {
  let out: string;
  let result: CaseStudyResult;
  const variable = 'air_temperature';

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'epp-report-'));
    result = await buildCaseStudyReport({
      forecast: days.map(fc),
      truth: days.map(tr),
      variable,
      model: 'emos',
      from: '2017-06-04',
      to: '2017-06-04',
      out,
    });
  }, 300_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('raw scores equal `epp score` (scoreFiles) on the same file, members and threshold', async () => {
    const byKey = Object.fromEntries(result.scores.map((s) => [s.key, s]));
    const threshold = (JSON.parse(readFileSync(result.json, 'utf8')) as { threshold: number }).threshold;
    const raw12 = await scoreFiles({
      forecasts: [fc('20170604')],
      truths: [tr('20170604')],
      variable,
      thresholds: [threshold],
    });
    const raw5 = await scoreFiles({
      forecasts: [fc('20170604')],
      truths: [tr('20170604')],
      variable,
      members: [1, 2, 3, 4, 5],
    });
    expect(byKey.raw12.crps).toBe(raw12.crps);
    expect(byKey.raw12.rmse).toBe(raw12.rmse);
    expect(byKey.raw12.ssr).toBe(raw12.ssr);
    expect(byKey.raw12.brier).toBe(Object.values(raw12.brier)[0]);
    expect(byKey.raw12.n).toBe(40000);
    expect(byKey.raw5.crps).toBe(raw5.crps);
    // Independent check against the data README's numpy reference for 2017-06-04 (raw CRPS 0.2983).
    expect(byKey.raw12.crps).toBeCloseTo(0.2983, 4);
    expect(result.validTimes).toEqual([Date.UTC(2017, 5, 4, 15) / 1000]);
  });

  test('EMOS scores equal EstimateEmos on 06-02/06-03 + ApplyEmos + ScoreSet, and EMOS beats raw', async () => {
    const train = await Promise.all(days.slice(0, 2).map((d) => readEnsemble(fc(d), { variable })));
    const truths = await Promise.all(days.slice(0, 2).map((d) => readField(tr(d), { variable })));
    const coeffs = new EstimateEmos({ distribution: 'norm' }).process(train.flat(), truths.flat());
    const [f] = await readEnsemble(fc('20170604'), { variable });
    const [t] = await readField(tr('20170604'), { variable });
    const c = new ApplyEmos().process(f, coeffs);
    const emos = new ScoreSet().process([
      {
        forecast: {
          kind: 'gaussian',
          variable,
          units: 'K',
          mean: c.mean,
          std: c.std,
          ny: f.ny,
          nx: f.nx,
          grid: f.grid,
          validTime: f.validTime,
          source: 'emos',
        },
        truth: t,
      },
    ]);
    const byKey = Object.fromEntries(result.scores.map((s) => [s.key, s]));
    expect(byKey.emos.crps).toBeCloseTo(emos.crps, 12);
    expect(byKey.emos.crps).toBeLessThan(byKey.raw12.crps);
  }, 120_000);

  const browserTest = findChromium() ? test : test.skip;
  if (!findChromium())
    console.warn('[skip] no /usr/bin/chromium: the browser rendering check of the report is skipped');
  browserTest(
    'renders in headless Chromium: every image loaded, no console error, no external request; PDF written',
    async () => {
      const check = await openReportPage(result.html);
      // 4 charts + 10 maps + 5 shared colour bars for the one valid time
      expect(check.images).toBe(19);
      expect(check.brokenImages).toEqual([]);
      expect(check.consoleErrors).toEqual([]);
      expect(check.externalRequests).toEqual([]);
      expect(result.pdf).not.toBeNull();
      expect(existsSync(result.pdf!)).toBe(true);
      expect(readFileSync(result.pdf!).subarray(0, 4).toString()).toBe('%PDF');
      const html = readFileSync(result.html, 'utf8');
      expect(html).toContain(`<td>${Number(result.scores[0].crps.toPrecision(4))}</td>`);
    },
    120_000,
  );

  browserTest(
    'legible as a forecaster reads it: labels ≥ 12 px on screen and ≥ 11 pt on paper, °C, words on the difference map, no absolute path',
    async () => {
      const r = await readReport(result);
      expect(r.page.minFigureLabelPx).toBeGreaterThanOrEqual(12);
      expect(r.page.minTextPx).toBeGreaterThanOrEqual(12);
      expect(r.page.print.minFigureLabelPt).toBeGreaterThanOrEqual(11);
      expect(r.page.print.minTextPt).toBeGreaterThanOrEqual(11);
      expect(r.page.printOverflowPx).toBe(0);
      expect(r.pdf).toBeDefined();
      const pdf = r.pdf!;
      // Title, tables and charts, then five groups of maps: at least four A4 pages, each rendered to PNG.
      expect(pdf.pages).toBeGreaterThanOrEqual(4);
      expect(pdf.pngs.length).toBe(pdf.pages);
      expect(Math.round(pdf.pageWidth)).toBe(596);
      expect(pdf.fonts.some((f) => /DejaVuSans/.test(f))).toBe(true);
      expect(r.clippedWords).toEqual([]);
      expect(r.pdfMinTextPt!).toBeGreaterThanOrEqual(11);
      expect(r.pdfMinFigureLabelPt!).toBeGreaterThanOrEqual(11);
      // Temperature in °C (the threshold, tables and maps); the files keep kelvin.
      expect(r.html).toMatch(/air_temperature &#62; 1\d\.\d+ °C/);
      expect(r.pdfText).toContain('°C');
      expect(r.html).not.toMatch(/\d K\)/);
      expect(JSON.parse(r.json).threshold).toBeGreaterThan(273);
      expect(r.html).toContain('blue where EMOS has the lower CRPS');
      for (const text of [withoutImages(r.html), r.pdfText, r.json]) {
        expect(text).not.toContain(REAL_DATA_DIR);
        expect(text).not.toContain(out);
        expect(text).not.toMatch(ABSOLUTE_PATH);
      }
    },
    120_000,
  );
});
