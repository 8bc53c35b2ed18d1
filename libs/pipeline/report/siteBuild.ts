/**
 * The site case-study report as files: the extreme events of a station archive (siteCase.ts) drawn as fan
 * charts of predictive quantiles against the observations, PIT histograms and a reliability diagram, with
 * the event ranking and the scores over the event windows; report.html (self-contained), scores.json and
 * report.pdf (headless Chromium, when available). Shown in display units (°C, mm); scores.json keeps the
 * file's units.
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import { browserUnavailableReason } from '../../report/browser.js';
import { renderChart, type Series } from '../../report/charts/chart.js';
import { rankHistogramChart, reliabilityChart } from '../../report/charts/verification.js';
import type { CaseStudyReport, ReportImage, ReportTable } from '../../report/model.js';
import { FIGURE_WIDTH, SERIES_COLORS } from '../../report/style.js';
import { displayUnits, formatWithUnits, toDisplay, toDisplayDelta } from '../../report/units.js';
import { readSiteForecast, readSiteObservations, type SiteMethod } from '../../sites/index.js';
import type { Tail } from '../../sites/extremes.js';
import { printReportPdf, writeReportFiles } from './build.js';
import { displayPath, parseTime } from './options.js';
import { siteCaseStudy, type CaseEvent, type Interval, type SiteCaseResult } from './siteCase.js';

export interface SiteCaseRequest {
  forecast: string;
  observations: string;
  variable: string;
  out: string;
  /** K (default half the members, rounded up). */
  members?: number;
  events?: number;
  tail?: Tail;
  windowDays?: number;
  /** Event search window (ISO; a bare `to` date covers that day). */
  from?: string;
  to?: string;
  methods?: SiteMethod[];
  drn?: { seeds?: number; maxEpochs?: number };
  pdf?: boolean;
  title?: string;
  /** Names shown instead of the paths (the service passes data-root-relative names). */
  labels?: { forecast?: string; observations?: string };
}

export interface SiteCaseFiles {
  html: string;
  json: string;
  pdf: string | null;
  pdfSkipped?: string;
  result: SiteCaseResult;
  warnings: string[];
}

const day = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10);
const fmtInterval = (i: Interval, k: (x: number) => number): string =>
  Number.isFinite(i.lo) ? `${fmt(k(i.mean))} [${fmt(k(i.lo))}, ${fmt(k(i.hi))}]` : fmt(k(i.mean));
const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '–');
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');

/** A fan chart of one event: the DRN's quantile bands, EMOS's median and 5–95 %, raw members, observations. */
function fanChart(e: CaseEvent, r: SiteCaseResult, labelOf: (k: string) => string): Buffer {
  const du = displayUnits(r.units, r.variable);
  const v = (x: number): number => toDisplay(du, x);
  const w = e.window;
  const x = w.times.map((t) => (t - e.time) / 86400);
  const series: Series[] = [];
  const rawLo = w.rawAll.map((m) => v(Math.min(...m)));
  const rawHi = w.rawAll.map((m) => v(Math.max(...m)));
  series.push({
    label: `${labelOf('raw_all')} range`,
    color: '#888888',
    kind: 'band',
    x,
    y: rawLo,
    y2: rawHi,
    alpha: 0.25,
  });
  const q = w.quantiles;
  if (q.drn) {
    series.push({
      label: 'DRN 5–95 %',
      color: SERIES_COLORS[3],
      kind: 'band',
      x,
      y: q.drn.p5.map(v),
      y2: q.drn.p95.map(v),
      alpha: 0.22,
    });
    series.push({
      label: 'DRN 25–75 %',
      color: SERIES_COLORS[3],
      kind: 'band',
      x,
      y: q.drn.p25.map(v),
      y2: q.drn.p75.map(v),
      alpha: 0.4,
    });
    series.push({ label: 'DRN median', color: SERIES_COLORS[3], kind: 'plain', x, y: q.drn.p50.map(v) });
  }
  if (q.emos) {
    series.push({
      label: 'EMOS median, 5 and 95 %',
      color: SERIES_COLORS[2],
      kind: 'plain',
      x,
      y: q.emos.p50.map(v),
      dash: [6, 4],
    });
    series.push({ label: '', color: SERIES_COLORS[2], kind: 'plain', x, y: q.emos.p5.map(v), dash: [2, 3] });
    series.push({ label: '', color: SERIES_COLORS[2], kind: 'plain', x, y: q.emos.p95.map(v), dash: [2, 3] });
  }
  series.push({ label: 'observed', color: '#000000', kind: 'points', x, y: w.observed.map(v) });
  return renderChart({
    title: `${e.rank}. ${day(e.time)} at ${e.stationName ?? e.station}: observed ${formatWithUnits(v(e.observed), du.units)}`,
    xLabel: 'days from the event',
    yLabel: `${r.variable.replace(/_amount$/, '').replace(/_/g, ' ')} (${du.units})`,
    series,
    height: Math.round(FIGURE_WIDTH * 1.15),
    hline: v(e.threshold),
    xTicks: x.filter((d) => Number.isInteger(d) && d % 2 === 0).map((d) => ({ value: d, label: String(d) })),
  });
}

/** Build the site case-study report files (and read the inputs). */
export async function buildSiteCaseReport(
  request: SiteCaseRequest,
  onProgress: (fraction: number, message: string) => void = () => {},
): Promise<SiteCaseFiles> {
  if (!request.out) throw new InvalidArgumentError('site case study: --out is required');
  const from = request.from ? parseTime(request.from, false, '--from') : undefined;
  // Inclusive end (a bare date covers that day) → exclusive bound.
  const to = request.to ? parseTime(request.to, true, '--to') + 1 : undefined;
  onProgress(0.01, 'reading');
  const f = await readSiteForecast(request.forecast, request.variable);
  const obs = await readSiteObservations(request.observations, request.variable, f.units);
  const r = siteCaseStudy(f, obs, {
    members: request.members,
    events: request.events,
    tail: request.tail,
    windowDays: request.windowDays,
    from,
    to,
    methods: request.methods,
    drn: request.drn,
    onProgress: (p, m) => onProgress(0.02 + 0.85 * p, m),
  });
  onProgress(0.88, 'figures');
  const du = displayUnits(r.units, r.variable);
  const d = (x: number): number => toDisplayDelta(du, x);
  const labels = Object.fromEntries(r.systems.map((s) => [s.key, s.label]));
  const labelOf = (k: string): string => labels[k] ?? k;
  const tailWord = r.tail === 'upper' ? 'above' : 'below';
  // One station: its name is in the title, not in every row.
  const oneStation = f.stations.id.length === 1;
  const eventWord = r.tail === 'upper' ? 'heaviest' : 'lowest';
  const ranking: ReportTable = {
    caption: `The ${r.events.length} ${eventWord} observed days; threshold t = the station's ${r.tail === 'upper' ? '99th' : '1st'} percentile of the other years; P(${r.variable} ${r.tail === 'upper' ? '>' : '<'} t) on the event day`,
    columns: [
      'rank',
      'day',
      ...(oneStation ? [] : ['station']),
      `observed (${du.units})`,
      `t (${du.units})`,
      ...r.systems.map((s) => `P ${s.label}`),
    ],
    rows: r.events.map((e) => [
      e.rank,
      day(e.time),
      ...(oneStation ? [] : [e.stationName ?? e.station]),
      fmt(toDisplay(du, e.observed)),
      fmt(toDisplay(du, e.threshold)),
      ...r.systems.map((s) => pct(e.probability[s.key])),
    ]),
  };
  const scores: ReportTable = {
    caption: `Scores over every day of the ${r.events.length} event windows (±${(r.events[0]?.window.times.length ?? 1) > 1 ? Math.round((r.events[0].window.times.length - 1) / 2) : 0} days), mean [95 % bootstrap interval over days]; CRPS and twCRPS in ${du.deltaUnits}; twCRPS weights z ${tailWord} each event's t (Gneiting & Ranjan 2011); raw ensembles: standard and fair (Ferro 2014) estimators, methods: closed form`,
    columns: [
      'forecast',
      'CRPS',
      'CRPS (fair)',
      'twCRPS',
      'Brier of {y ' + (r.tail === 'upper' ? '>' : '<') + ' t}',
      'days',
    ],
    rows: r.systems.map((s) => {
      const v = r.scores[s.key];
      return [
        s.label,
        fmtInterval(v.crps, d),
        fmtInterval(v.crpsFair, d),
        fmtInterval(v.twcrps, d),
        fmtInterval(v.brier, (x) => x),
        v.days,
      ];
    }),
  };
  const eventCrps: ReportTable = {
    caption: `CRPS on each event day (${du.deltaUnits})`,
    columns: ['rank', 'day', ...r.systems.map((s) => s.label)],
    rows: r.events.map((e) => [e.rank, day(e.time), ...r.systems.map((s) => fmt(d(e.crps[s.key])))]),
  };
  const modelsTable: ReportTable = {
    caption:
      'Models: fitted without the event’s year (leave-one-year-out), EMOS seasonal with the extra forecasts',
    columns: ['held-out year', 'method', 'training pairs'],
    rows: r.models.map((m) => [m.year, m.method, m.trainingPairs]),
  };
  const fans: ReportImage[] = r.events.map((e) => ({
    caption: `Event ${e.rank}: ${day(e.time)} — predictive quantiles against the observations; dashed line: t`,
    png: fanChart(e, r, labelOf),
  }));
  const charts: ReportImage[] = [
    {
      caption:
        'PIT (methods, randomised at the censoring point) and rank (raw ensembles) histograms over the event windows',
      png: rankHistogramChart(
        r.systems.map((s) => ({ label: s.label, counts: r.pit[s.key] })),
        'PIT / rank histograms',
      ),
    },
    {
      caption: `Reliability of P(${r.variable} ${tailWord} t) over the event windows (5 bins)`,
      png: reliabilityChart(
        r.systems.map((s) => ({
          label: s.label,
          forecastProbability: r.reliability[s.key].forecast,
          observedFrequency: r.reliability[s.key].observed,
          count: r.reliability[s.key].count,
        })),
        `${r.variable} ${tailWord} t`,
      ),
    },
  ];
  const warnings: string[] = [];
  const pdfReason = request.pdf === false ? 'PDF not requested' : await browserUnavailableReason();
  if (pdfReason && request.pdf !== false) warnings.push(`PDF not produced: ${pdfReason}.`);
  const fcLabel = request.labels?.forecast ?? displayPath(request.forecast);
  const obLabel = request.labels?.observations ?? displayPath(request.observations);
  const report: CaseStudyReport = {
    title:
      request.title ??
      `Extreme events at ${f.stations.name?.[0] ?? f.stations.id[0]}${f.stations.id.length > 1 ? ` and ${f.stations.id.length - 1} more stations` : ''}: ${r.variable}, raw ensemble vs post-processed`,
    subtitle: `${r.events.length} ${eventWord} days of ${r.variable} in ${day(f.times[0])} to ${day(f.times[f.times.length - 1])}; raw ${r.members.all} members and the first ${r.members.k}`,
    generatedAt: new Date().toISOString(),
    run: {
      forecast: fcLabel,
      observations: obLabel,
      members: `all ${r.members.all}; subset: the first ${r.members.k} (given to the DRN)`,
      'post-processing': r.systems
        .filter((s) => !s.key.startsWith('raw'))
        .map((s) => s.label)
        .join(', '),
      protocol:
        'each event is forecast by models fitted without its year (leave-one-year-out); events are chosen by the observation, so these are case studies, not skill estimates (Lerch et al. 2017)',
    },
    scores: [],
    warnings,
    sections: [
      { heading: 'Events', tables: [ranking, eventCrps] },
      { heading: 'Scores over the event windows', tables: [scores, modelsTable] },
      { heading: 'Fan charts', images: fans, columns: 2 },
      { heading: 'Calibration over the event windows', images: charts, columns: 2 },
    ],
  };
  const { html: htmlPath, json: jsonPath } = writeReportFiles(request.out, report, {
    title: report.title,
    run: report.run,
    variable: r.variable,
    units: r.units,
    tail: r.tail,
    members: r.members,
    systems: r.systems,
    scores: r.scores,
    events: r.events.map(({ window: _w, ...e }) => e),
    models: r.models,
    warnings,
  });
  let pdf: string | null = null;
  if (!pdfReason) {
    onProgress(0.93, 'printing PDF');
    pdf = await printReportPdf(request.out, htmlPath, warnings);
  }
  onProgress(1, 'done');
  return { html: htmlPath, json: jsonPath, pdf, pdfSkipped: pdfReason ?? undefined, result: r, warnings };
}
