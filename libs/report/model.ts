/**
 * The case-study report as data: sections of images (PNG bytes), tables and text. Renderers (HTML, PDF)
 * turn it into documents; the numbers live in `scores` so tests and the API can check them.
 */

export interface ReportImage {
  /** Short caption under the image; also its alt text. */
  caption: string;
  png: Buffer;
  /** Device pixels per CSS pixel of the PNG (default PIXEL_RATIO: figures are rendered at 2×). */
  pixelRatio?: number;
  /** Smallest text in the image, in CSS px at its layout width (default LABEL_PX); checked by the tests. */
  labelPx?: number;
}

/** Maps that share one colour scale: laid out two per row, the scale drawn once under the group. */
export interface FigureGroup {
  images: ReportImage[];
  /** The shared colour bar (a wide, short image), or none when every image carries its own. */
  colorBar?: ReportImage;
  /** One line saying what the shared scale is (e.g. "colour scale shared by truth and both means"). */
  note?: string;
}

export interface ReportTable {
  caption: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface ReportSection {
  heading: string;
  /** Paragraphs of plain text (escaped by the renderer). */
  text?: string[];
  /** Images laid out in a grid of `columns` per row (default 2, at most 2: legible on A4). */
  images?: ReportImage[];
  columns?: number;
  /** Groups of maps sharing a colour scale, after `images`. */
  groups?: FigureGroup[];
  tables?: ReportTable[];
}

/** Aggregate scores of one forecast over the whole window and region. */
export interface ForecastScores {
  /** Stable key: `raw10`, `raw5`, `emos`, `model`. */
  key: string;
  label: string;
  crps: number;
  rmse: number;
  bias: number;
  spread: number;
  ssr: number;
  /** Brier score of P(value > threshold), when a threshold applies. */
  brier?: number;
  /** Number of (point, time) pairs scored and skipped for missing truth. */
  n: number;
  nMissing: number;
  /** Per valid time (epoch seconds) area-mean CRPS. */
  crpsByTime: { time: number; crps: number }[];
}

export interface CaseStudyReport {
  title: string;
  subtitle: string;
  /** ISO time the report was generated. */
  generatedAt: string;
  /** What was run: model, members, data, versions (key → value, shown as a table). */
  run: Record<string, string>;
  scores: ForecastScores[];
  sections: ReportSection[];
  /** Things the reader must know (e.g. PDF not produced, a forecast missing for a day). */
  warnings: string[];
}
