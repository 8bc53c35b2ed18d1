/**
 * The testbed's cyclone-like event by name: a tiny archive and a briefly trained mixed model (its skill is
 * not the point here), reported with raw10, raw5, EMOS and the mixed model; rendered in headless Chromium
 * with every image loaded and no console error; raw scores equal ScoreSet on the same box and times.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../libs/model/backend.js';
import { trainModel } from '../../libs/pipeline/train/index.js';
import { ArchiveWriter, TestbedGenerator } from '../../libs/testbed/index.js';
import { buildCaseStudyReport, type CaseStudyResult } from '../../libs/pipeline/report/index.js';
import { findChromium, openReportPage } from '../../libs/report/browser.js';
import { ABSOLUTE_PATH, readReport, withoutImages } from '../helpers/reportChecks.js';
import { readEnsemble, readField } from '../../libs/ensemble/read.js';
import { subsetMembers } from '../../libs/ensemble/stats.js';
import { ScoreSet } from '../../libs/scoring/index.js';
import type { EnsembleField, Field2D } from '../../libs/ensemble/types.js';

let dir: string;
let result: CaseStudyResult;
let event: { name: string; start: string; end: string; bbox: [number, number, number, number] };

beforeAll(async () => {
  await selectBackend('wasm');
  dir = mkdtempSync(path.join(tmpdir(), 'epp-report-tb-'));
  const tb = path.join(dir, 'tb');
  await new TestbedGenerator({ preset: 'tiny', seed: 3 }).process(new ArchiveWriter(tb));
  const manifest = JSON.parse(readFileSync(path.join(tb, 'manifest.json'), 'utf8')) as {
    events: (typeof event)[];
  };
  event = manifest.events.find((e) => /cyclone/i.test(e.name))!;
  const small = { bcFilters: 2, bcLevels: 1, uqFilters: 2, uqBlocks: 1, uqBranchFilters: 1 };
  await trainModel({
    dataDir: tb,
    outDir: path.join(dir, 'model'),
    task: 'mixed',
    epochs: 1,
    maxTrainSamples: 4,
    config: small,
  });
  result = await buildCaseStudyReport({
    data: tb,
    event: event.name,
    variable: 't850',
    model: path.join(dir, 'model'),
    out: path.join(dir, 'report'),
  });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the cyclone report holds raw10, raw5, EMOS and the mixed model', () => {
  expect(result.scores.map((s) => s.key)).toEqual(['raw10', 'raw5', 'emos', 'model']);
  for (const s of result.scores) expect(s.crps).toBeGreaterThan(0);
  expect(result.validTimes.length).toBeGreaterThan(0);
});

test('raw scores equal ScoreSet on the same event box and valid times', async () => {
  const [w, s, e, n] = event.bbox;
  const east = e < w ? e + 360 : e;
  const inBox = (lat: number, lon: number): boolean => {
    const l = lon < w ? lon + 360 : lon;
    return lat >= s && lat <= n && l >= w && l <= east;
  };
  const tb = path.join(dir, 'tb');
  const forecasts: EnsembleField[] = [];
  const truths: Field2D[] = [];
  const { readdirSync } = await import('node:fs');
  for (const f of readdirSync(path.join(tb, 'forecasts')))
    forecasts.push(
      ...(await readEnsemble(path.join(tb, 'forecasts', f), { variable: 't', level: 850, leadHours: 48 })),
    );
  for (const f of readdirSync(path.join(tb, 'truth')))
    truths.push(...(await readField(path.join(tb, 'truth', f), { variable: 't', level: 850 })));
  // Mask (NaN truth) outside the box: the same points as the report's crop for a regular grid.
  const pairs = result.validTimes.map((t) => {
    const f = forecasts.find((x) => x.validTime === t)!;
    const y = truths.find((x) => x.validTime === t)!;
    const data = Float32Array.from(y.data, (v, p) =>
      inBox(y.grid.latitude[p], y.grid.longitude[p]) ? v : NaN,
    );
    return { forecast: f, truth: { ...y, data } };
  });
  const set = new ScoreSet({});
  const raw10 = set.process(pairs);
  const raw5 = set.process(
    pairs.map((p) => ({ ...p, forecast: subsetMembers(p.forecast, p.forecast.members.slice(0, 5)) })),
  );
  expect(result.scores[0].crps).toBeCloseTo(raw10.crps, 10);
  expect(result.scores[0].n).toBe(raw10.n);
  expect(result.scores[1].crps).toBeCloseTo(raw5.crps, 10);
});

(findChromium() ? test : test.skip)(
  'renders in headless Chromium with every image loaded and no console error',
  async () => {
    const check = await openReportPage(result.html);
    // 4 charts, then per valid time 10 maps and 5 shared colour bars
    expect(check.images).toBe(4 + 15 * result.validTimes.length);
    expect(check.brokenImages).toEqual([]);
    expect(check.consoleErrors).toEqual([]);
    expect(check.externalRequests).toEqual([]);
  },
  120_000,
);

(findChromium() ? test : test.skip)(
  'legible: labels ≥ 12 px on screen and ≥ 11 pt in the PDF, °C, region in E/W, words on the difference map, no absolute path',
  async () => {
    const r = await readReport(result);
    expect(r.page.minFigureLabelPx).toBeGreaterThanOrEqual(12);
    expect(r.page.minTextPx).toBeGreaterThanOrEqual(12);
    expect(r.page.print.minFigureLabelPt).toBeGreaterThanOrEqual(11);
    expect(r.page.print.minTextPt).toBeGreaterThanOrEqual(11);
    expect(r.page.printOverflowPx).toBe(0);
    expect(r.pdf).toBeDefined();
    expect(r.pdf!.pages).toBeGreaterThanOrEqual(2 + result.validTimes.length);
    expect(r.pdf!.pngs.length).toBe(r.pdf!.pages);
    expect(r.clippedWords).toEqual([]);
    expect(r.pdfMinTextPt!).toBeGreaterThanOrEqual(11);
    expect(r.pdfMinFigureLabelPt!).toBeGreaterThanOrEqual(11);
    expect(r.html).toMatch(/t850 &#62; -?\d+(\.\d+)? °C/);
    expect(r.html).not.toMatch(/\d K\)/);
    // The event box in −180..180 with E/W, never 0..360 degrees without a hemisphere.
    const region = /<td>region<\/td><td>([^<]*)<\/td>/.exec(r.html)?.[1] ?? '';
    expect(region).toMatch(/^\d+(\.\d+)?°[EW] to \d+(\.\d+)?°[EW], \d+(\.\d+)?°[NS] to \d+(\.\d+)?°[NS]/);
    expect(r.html).toContain('blue where mixed model');
    for (const text of [withoutImages(r.html), r.pdfText, r.json]) {
      expect(text).not.toContain(dir);
      expect(text).not.toMatch(ABSOLUTE_PATH);
    }
  },
  120_000,
);
