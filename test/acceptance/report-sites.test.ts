/**
 * Real extreme events at stations (issue: case-study reports on real data): Frankfurt's five heaviest 24 h
 * precipitation days (ECMWF ENS, 51 members) and Innsbruck's five coldest nights (GEFS, 11 members), each
 * forecast by EMOS (all members) and the DRN (half) fitted without the event's year; checked as a reader
 * would (Chromium and poppler) and against independent computations of the ranking and the raw scores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../libs/model/backend.js';
import { buildSiteCaseReport, type SiteCaseFiles } from '../../libs/pipeline/report/index.js';
import { findChromium } from '../../libs/report/browser.js';
import { readSiteForecast, readSiteObservations } from '../../libs/sites/index.js';
import { describeRealData, realSiteFile } from '../helpers/realData.js';
import { ABSOLUTE_PATH, readReport, withoutImages } from '../helpers/reportChecks.js';

const archives = [
  { dir: 'ecmwf-frankfurt-precip', variable: 'precipitation_amount', tail: 'upper' as const, m: 51, k: 26 },
  { dir: 'gefs-innsbruck-tmin', variable: 'air_temperature', tail: 'lower' as const, m: 11, k: 6 },
];

describeRealData('site case studies of real extreme events', () => {
  let out: string;
  const built: Record<string, SiteCaseFiles> = {};
  beforeAll(async () => {
    await selectBackend('wasm');
    out = mkdtempSync(path.join(os.tmpdir(), 'epp-site-report-'));
    for (const a of archives)
      built[a.dir] = await buildSiteCaseReport({
        forecast: realSiteFile(`${a.dir}/forecast.nc`),
        observations: realSiteFile(`${a.dir}/observation.csv`),
        variable: a.variable,
        out: path.join(out, a.dir),
        tail: a.tail,
        // Two networks per fit instead of five keeps the test to a minute or two; the CLI default is five.
        drn: { seeds: 2 },
        pdf: !!findChromium(),
      });
  }, 900_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test.each(archives)(
    '$dir: the five most extreme days, ranked, separated, beyond their thresholds',
    async (a) => {
      const r = built[a.dir].result;
      expect(r.members).toEqual({ all: a.m, k: a.k });
      expect(r.events).toHaveLength(5);
      // Independent ranking: the observations at the forecast times, sorted.
      const f = await readSiteForecast(realSiteFile(`${a.dir}/forecast.nc`), a.variable);
      const o = await readSiteObservations(realSiteFile(`${a.dir}/observation.csv`), a.variable, f.units);
      const values = Array.from(o.data).filter(Number.isFinite);
      values.sort((x, y) => (a.tail === 'upper' ? y - x : x - y));
      expect(r.events[0].observed).toBeCloseTo(values[0], 4);
      for (let i = 1; i < 5; i++) {
        const prev = r.events[i - 1].observed;
        expect(a.tail === 'upper' ? r.events[i].observed <= prev : r.events[i].observed >= prev).toBe(true);
        for (let j = 0; j < i; j++)
          expect(Math.abs(r.events[i].time - r.events[j].time)).toBeGreaterThanOrEqual(11 * 86400 - 1);
      }
      for (const e of r.events) {
        expect(a.tail === 'upper' ? e.observed > e.threshold : e.observed < e.threshold).toBe(true);
        for (const k of ['raw_all', 'raw_k', 'emos', 'drn']) {
          expect(e.probability[k]).toBeGreaterThanOrEqual(0);
          expect(e.probability[k]).toBeLessThanOrEqual(1);
        }
        // Raw P(event) is the member fraction on the event day (recomputed here).
        const ti = f.times.indexOf(e.time);
        const members = Array.from(f.data.subarray(ti * f.members.length, (ti + 1) * f.members.length));
        const frac =
          members.filter((v) => (a.tail === 'upper' ? v > e.threshold : v < e.threshold)).length / a.m;
        expect(e.probability.raw_all).toBeCloseTo(frac, 12);
      }
      // Every event year has its own EMOS and DRN fitted without it.
      const years = [...new Set(r.events.map((e) => e.heldOutYear))];
      expect(r.models.map((m) => `${m.year}:${m.method}`).sort()).toEqual(
        years.flatMap((y) => [`${y}:emos`, `${y}:drn`]).sort(),
      );
      for (const k of ['raw_all', 'raw_k', 'emos', 'drn']) {
        const s = r.scores[k];
        expect(s.days).toBe(r.scores.raw_all.days);
        expect(s.twcrps.mean).toBeGreaterThan(0);
        expect(s.twcrps.mean).toBeLessThanOrEqual(s.crps.mean + 1e-9);
        expect(s.crps.lo).toBeLessThanOrEqual(s.crps.mean);
        expect(s.crps.hi).toBeGreaterThanOrEqual(s.crps.mean);
      }
    },
  );

  (findChromium() ? test.each(archives) : test.skip.each(archives))(
    '$dir: legible, units a forecaster reads, no absolute path',
    async (a) => {
      const b = built[a.dir];
      const rd = await readReport(b);
      expect(rd.page.brokenImages).toEqual([]);
      expect(rd.page.consoleErrors).toEqual([]);
      expect(rd.page.externalRequests).toEqual([]);
      expect(rd.page.images).toBe(5 + 2);
      expect(rd.page.minFigureLabelPx).toBeGreaterThanOrEqual(12);
      expect(rd.page.print.minTextPt).toBeGreaterThanOrEqual(11);
      expect(rd.page.printOverflowPx).toBe(0);
      expect(rd.clippedWords).toEqual([]);
      expect(rd.pdfMinTextPt!).toBeGreaterThanOrEqual(11);
      expect(rd.pdfMinFigureLabelPt!).toBeGreaterThanOrEqual(11);
      expect(rd.html).toContain(a.tail === 'upper' ? 'observed (mm)' : 'observed (°C)');
      for (const text of [withoutImages(rd.html), rd.pdfText, readFileSync(b.json, 'utf8')]) {
        expect(text).not.toContain(out);
        expect(text).not.toMatch(ABSOLUTE_PATH);
      }
    },
    120_000,
  );
});
