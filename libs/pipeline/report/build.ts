/**
 * `buildCaseStudyReport`: read the forecasts and truths of a case study, post-process (EMOS fitted on data
 * outside the window, or a trained model), score with libs/scoring, draw with libs/report, and write
 * `report.html` (self-contained), `scores.json` and `report.pdf` (headless Chromium, when installed).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataError, InvalidArgumentError, ModelError } from '../../contracts/errors.js';
import type { EnsembleField, Field2D } from '../../ensemble/types.js';
import { ApplyEmos, EstimateEmos } from '../../emos/index.js';
import { browserUnavailableReason, openReportPage } from '../../report/browser.js';
import { renderHtml } from '../../report/html.js';
import { latLabel, lonLabel } from '../../report/mapPanel.js';
import type { CaseStudyReport, ForecastScores } from '../../report/model.js';
import { percentile } from '../../report/scale.js';
import { appliedWeights, isGaussian, type GaussianForecast } from '../../scoring/index.js';
import { readForecasts } from '../../scoring/files.js';
import { postprocessWithModel } from '../forecast/index.js';
import { assembleCaseStudy, type CaseDay } from './assemble.js';
import { displayPath, resolveCaseStudy, type CaseStudyRequest } from './options.js';
import { readForecastFile, readTruthFile, splitVariable } from './read.js';
import { boxWindow, cropEnsemble, cropField, cropGaussian, cropGrid, fullWindow } from './region.js';

export type { CaseStudyRequest } from './options.js';

export interface CaseStudyResult {
  html: string;
  json: string;
  /** Path of the PDF, or null with the reason in `pdfSkipped`. */
  pdf: string | null;
  pdfSkipped?: string;
  scores: ForecastScores[];
  validTimes: number[];
  warnings: string[];
}

/** EMOS training uses at most this many forecasts (the latest before the window). */
const TRAINING_DAYS = 60;

/** Epoch seconds of a `YYYYMMDDTHH…Z` stamp in a file name (testbed and IMPROVER names), else null. */
export function nameTime(file: string): number | null {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})\d{0,2}Z/.exec(path.basename(file));
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]) / 1000 : null;
}

/** Files whose name stamp lies within `days` before `from` and 3 days after `to`; all files if any lacks a stamp. */
function nearWindow(
  files: string[],
  from: number | undefined,
  to: number | undefined,
  days: number,
): string[] {
  if (from === undefined || files.some((f) => nameTime(f) === null)) return files;
  const lo = from - days * 86400;
  const hi = (to ?? Infinity) + 3 * 86400;
  return files.filter((f) => nameTime(f)! >= lo && nameTime(f)! <= hi);
}

export type ReportProgress = (fraction: number, message: string) => void;

const iso = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z';

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** A report's two files in `out` (created): `report.html` (self-contained) and `scores.json`, each atomically. */
export function writeReportFiles(
  out: string,
  report: CaseStudyReport,
  scores: unknown,
): { html: string; json: string } {
  mkdirSync(out, { recursive: true });
  const html = path.join(out, 'report.html');
  const json = path.join(out, 'scores.json');
  writeAtomic(html, renderHtml(report));
  writeAtomic(json, JSON.stringify(scores, null, 2));
  return { html, json };
}

function packageVersion(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let k = 0; k < 6; k++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? '?';
    dir = path.dirname(dir);
  }
  return '?';
}

function toGaussian(
  raw: EnsembleField,
  mean: Float32Array,
  std: Float32Array,
  source: string,
): GaussianForecast {
  return {
    kind: 'gaussian',
    variable: raw.variable,
    units: raw.units,
    mean,
    std,
    ny: raw.ny,
    nx: raw.nx,
    grid: raw.grid,
    validTime: raw.validTime,
    level: raw.level,
    source,
  };
}

/** The model's Gaussian on the raw field's grid object (same points), so cropping treats both alike. */
function modelAsEnsembleGrid(g: GaussianForecast, raw: EnsembleField): GaussianForecast {
  if (g.ny !== raw.ny || g.nx !== raw.nx)
    throw new DataError(
      `model output ${g.ny}×${g.nx} differs from the forecast grid ${raw.ny}×${raw.nx} of ${raw.source}`,
    );
  return { ...g, grid: raw.grid };
}

export async function buildCaseStudyReport(
  request: CaseStudyRequest,
  onProgress: ReportProgress = () => {},
): Promise<CaseStudyResult> {
  const opts = resolveCaseStudy(request);
  if (request.model !== 'emos' && !existsSync(path.join(request.model, 'manifest.json')))
    throw new ModelError(
      `--model ${request.model}: not "emos" and not a trained model folder (no manifest.json)`,
    );
  const warnings: string[] = [];
  // Archives of years of files: read only those dated (by name) near the window and its EMOS training period.
  opts.forecastFiles = nearWindow(opts.forecastFiles, opts.from, opts.to, TRAINING_DAYS + 10);
  opts.truthFiles = nearWindow(opts.truthFiles, opts.from, opts.to, TRAINING_DAYS + 10);
  // Each stage hands the event loop back before going on: in the embedded service the API answers
  // status requests between stages instead of after the whole (mostly synchronous) report.
  const stage = async (fraction: number, message: string) => {
    onProgress(fraction, message);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  await stage(0.01, 'reading forecasts');
  const allForecasts: EnsembleField[] = [];
  for (const [k, f] of opts.forecastFiles.entries()) {
    allForecasts.push(...(await readForecastFile(f, request.variable)));
    await stage(0.01 + (0.2 * (k + 1)) / opts.forecastFiles.length, `read ${path.basename(f)}`);
  }
  const leads = [...new Set(allForecasts.map((f) => f.leadHours))];
  const lead =
    request.leadHours ?? leads.filter((l): l is number => l !== undefined).sort((a, b) => b - a)[0];
  if (request.leadHours !== undefined && !leads.includes(request.leadHours))
    throw new InvalidArgumentError(
      `--lead ${request.leadHours} h not in the forecasts (leads: ${leads.join(', ')} h)`,
    );
  const forecasts = allForecasts.filter((f) => f.leadHours === lead);
  const truths: Field2D[] = [];
  for (const f of opts.truthFiles) truths.push(...(await readTruthFile(f, request.variable)));
  await stage(0.25, 'read truth');
  const truthAt = new Map(truths.map((t) => [t.validTime, t]));
  const verifiable = forecasts
    .filter((f) => truthAt.has(f.validTime))
    .sort((a, b) => a.validTime - b.validTime);
  const inWindow = (t: number): boolean =>
    (opts.from === undefined || t >= opts.from) && (opts.to === undefined || t <= opts.to);
  const window = verifiable.filter((f) => inWindow(f.validTime));
  if (window.length === 0)
    throw new DataError(
      `no forecast at lead ${lead} h with a truth in the window (${opts.from ? iso(opts.from) : '…'} – ${opts.to ? iso(opts.to) : '…'}); ` +
        `verifiable valid times: ${verifiable.map((f) => iso(f.validTime)).join(', ') || 'none'}`,
    );

  // Region: crop every field to the index rectangle of the box (the whole grid without a box).
  const first = window[0];
  const w = opts.bbox ? boxWindow(first.grid, opts.bbox, first.source) : fullWindow(first.ny, first.nx);
  const grid = cropGrid(first.grid, w);
  const crop = (f: EnsembleField): EnsembleField => cropEnsemble(f, w, grid);
  const cropT = (t: Field2D): Field2D => cropField(t, w, grid);

  const m = first.members.length;
  const k = request.members ?? Math.min(5, Math.floor(m / 2));
  if (k > m) throw new InvalidArgumentError(`--members ${k} exceeds the ${m} members of ${first.source}`);
  const subsetIds = first.members.slice(0, k);

  // EMOS on the data before the window, else (e.g. three MOGREPS-UK days) on every day outside it.
  await stage(0.3, 'fitting EMOS');
  const before = verifiable.filter((f) => opts.from !== undefined && f.validTime < opts.from);
  const training =
    before.length > 0 ? before.slice(-TRAINING_DAYS) : verifiable.filter((f) => !inWindow(f.validTime));
  const gaussianSeries: { key: string; label: string }[] = [];
  let emosText = 'not fitted (no forecast with truth outside the window)';
  const emosByTime = new Map<number, GaussianForecast>();
  if (training.length > 0) {
    const coeffs = new EstimateEmos({ distribution: 'norm' }).process(
      training.map(crop),
      training.map((f) => cropT(truthAt.get(f.validTime)!)),
    );
    const apply = new ApplyEmos();
    for (const f of window) {
      const c = apply.process(crop(f), coeffs);
      emosByTime.set(f.validTime, toGaussian(crop(f), c.mean, c.std, `EMOS(${f.source})`));
    }
    gaussianSeries.push({ key: 'emos', label: 'EMOS' });
    emosText =
      `global normal EMOS (IMPROVER parameterisation μ = α + β·mean, σ² = γ² + δ²·var) fitted by CRPS minimisation on ` +
      `${training.length} forecast(s) ${before.length > 0 ? 'before the window' : 'outside the window'} ` +
      `(${training.map((f) => iso(f.validTime)).join(', ')}): α=${coeffs.alpha[0].toFixed(4)}, β=${coeffs.beta[0].toFixed(4)}, ` +
      `γ=${coeffs.gamma[0].toFixed(4)}, δ=${coeffs.delta[0].toFixed(4)}, converged=${coeffs.converged}`;
  } else warnings.push('EMOS could not be fitted: no forecast with truth outside the window.');
  const modelByTime = new Map<number, GaussianForecast>();
  if (request.model !== 'emos') {
    await stage(0.32, 'running the mixed model');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'epp-report-pp-'));
    try {
      const { variable, level } = splitVariable(request.variable);
      for (const file of [...new Set(window.map((f) => f.source))]) {
        const outPath = path.join(tmp, `pp-${path.basename(file)}`);
        await postprocessWithModel({
          modelDir: request.model,
          forecastPath: file,
          variable,
          level,
          products: ['mean', 'std'],
          outPath,
        });
        for (const g of await readForecasts(outPath, request.variable))
          if (isGaussian(g) && window.some((f) => f.validTime === g.validTime && f.source === file))
            modelByTime.set(g.validTime, { ...g, source: `mixed model(${path.basename(file)})` });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const missing = window.filter((f) => !modelByTime.has(f.validTime));
    if (missing.length)
      throw new DataError(
        `the model gave no forecast valid at ${missing.map((f) => iso(f.validTime)).join(', ')}`,
      );
    gaussianSeries.push({ key: 'model', label: 'mixed model' });
  }
  if (gaussianSeries.length === 0)
    throw new DataError('no post-processed forecast could be made (see warnings)');

  const days: CaseDay[] = window.map((f) => ({
    raw: crop(f),
    truth: cropT(truthAt.get(f.validTime)!),
    gaussians: {
      ...(emosByTime.has(f.validTime) ? { emos: emosByTime.get(f.validTime)! } : {}),
      ...(modelByTime.has(f.validTime)
        ? { model: cropGaussian(modelAsEnsembleGrid(modelByTime.get(f.validTime)!, f), w, grid) }
        : {}),
    },
  }));
  const threshold =
    request.threshold ??
    percentile(
      days.flatMap((d) => Array.from(d.truth.data)),
      90,
    );
  const pdfReason = request.pdf === false ? 'PDF not requested' : await browserUnavailableReason();
  if (pdfReason && request.pdf !== false) warnings.push(`PDF not produced: ${pdfReason}.`);
  const variableLabel = request.variable;
  const units = first.units;
  const region = opts.bbox
    ? `${lonLabel(opts.bbox.west)} to ${lonLabel(opts.bbox.east)}, ${latLabel(opts.bbox.south)} to ${latLabel(opts.bbox.north)} (${w.rows.length} × ${w.cols.length} grid points)`
    : `whole grid (${first.ny} × ${first.nx} points)`;
  const dataLabel = request.labels?.data ?? (request.data ? displayPath(request.data) : undefined);
  const modelLabel = request.labels?.model ?? displayPath(request.model);
  const report: CaseStudyReport = assembleCaseStudy(
    {
      title:
        request.title ??
        `Case study${opts.eventName ? ` “${opts.eventName}”` : ''}: ${variableLabel}, raw ensemble vs post-processed`,
      subtitle: `${days.length} valid time(s) from ${iso(days[0].truth.validTime)} to ${iso(days[days.length - 1].truth.validTime)}, lead ${lead ?? '?'} h`,
      variableLabel,
      units,
      days,
      gaussianSeries,
      primary: request.model === 'emos' ? 'emos' : 'model',
      subsetIds,
      threshold,
      thresholdSource:
        request.threshold !== undefined ? 'given' : '90th percentile of the truth over the region and window',
      bbox: opts.bbox,
      warnings,
      run: {
        'post-processing':
          request.model === 'emos'
            ? emosText
            : `mixed model ${modelLabel} (subset of its configured members); EMOS: ${emosText}`,
        members: `raw ${m} (${first.members.join(', ')}); subset ${k} (${subsetIds.join(', ')})`,
        ...(opts.eventName
          ? { event: `${opts.eventName}${opts.eventDescription ? ` — ${opts.eventDescription}` : ''}` }
          : {}),
        region,
        'valid times': days.map((d) => iso(d.truth.validTime)).join(', '),
        forecasts: `${opts.forecastFiles.length} file(s)${dataLabel ? ` under ${dataLabel}` : ''}: ${opts.forecastFiles
          .map((f) => path.basename(f))
          .join(', ')
          .slice(0, 400)}`,
        truth: `${opts.truthFiles.length} file(s): ${opts.truthFiles
          .map((f) => path.basename(f))
          .join(', ')
          .slice(0, 400)}`,
        scores: `libs/scoring ScoreSet (DESIGN §2), ${
          days.length && appliedWeights(days[0].truth.grid, 'area') === 'coslat'
            ? 'cos(latitude)-weighted'
            : 'equal-area (unweighted)'
        } means over grid points and times, NaN truth skipped`,
        versions: `epp ${packageVersion()}, Node ${process.version}`,
      },
    },
    (f, msg) => onProgress(0.35 + 0.5 * f, msg),
  );
  await stage(0.86, 'writing the report');

  const { html: htmlPath, json: jsonPath } = writeReportFiles(request.out, report, {
    title: report.title,
    run: report.run,
    warnings: report.warnings,
    threshold,
    lead,
    validTimes: days.map((d) => d.truth.validTime),
    scores: report.scores,
  });
  let pdf: string | null = null;
  if (!pdfReason) {
    await stage(0.9, 'printing PDF');
    pdf = await printReportPdf(request.out, htmlPath, warnings);
  }
  onProgress(1, 'done');
  return {
    html: htmlPath,
    json: jsonPath,
    pdf,
    pdfSkipped: pdfReason ?? undefined,
    scores: report.scores,
    validTimes: days.map((d) => d.truth.validTime),
    warnings,
  };
}

/** Print `htmlPath` to `<out>/report.pdf` (temp file + rename); browser problems become warnings. */
export async function printReportPdf(out: string, htmlPath: string, warnings: string[]): Promise<string> {
  const pdf = path.join(out, 'report.pdf');
  const tmp = path.join(out, `.report-${process.pid}.pdf`);
  const check = await openReportPage(htmlPath, { pdf: tmp });
  renameSync(tmp, pdf);
  if (check.brokenImages.length || check.consoleErrors.length)
    warnings.push(
      `browser check: ${check.brokenImages.length} broken image(s), ${check.consoleErrors.length} console error(s)`,
    );
  return pdf;
}
