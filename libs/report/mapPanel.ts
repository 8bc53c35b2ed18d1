/**
 * One map panel as a PNG: a field on a (regular or projected) grid drawn cell by cell over a lat–lon box,
 * north up, with Natural Earth coastlines, a labelled graticule and a colour bar with units. Laid out in CSS
 * pixels (labels ≥ LABEL_PX at FIGURE_WIDTH) and rasterised at PIXEL_RATIO.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { geoPath } from 'd3-geo';
import type { MultiLineString } from 'geojson';
import { InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import { colorAt, type Colormap } from './colormaps.js';
import {
  bboxOfPoints,
  boxHeightForWidth,
  boxProjection,
  countryBorders,
  coastlines,
  linesInBox,
  resolutionForBox,
  validateBBox,
  type BBox,
} from './geo.js';
import { rasterizeCells } from './rasterize.js';
import { colorBarHeight, drawColorBar } from './colorBar.js';
import { FIGURE_WIDTH, FONT, FONT_BOLD, LINE_PX, PIXEL_RATIO } from './style.js';
import { wrapText } from './text.js';

/** Where the values sit: latitude/longitude of every point, row-major [y, x]. */
export interface PointGrid {
  ny: number;
  nx: number;
  latitude: ArrayLike<number>;
  longitude: ArrayLike<number>;
}

export interface MapPanelOptions {
  /** Region drawn; default: the extent of the first grid rendered. */
  bbox?: BBox;
  /** Layout width in CSS pixels (default FIGURE_WIDTH); the PNG is PIXEL_RATIO times wider. */
  width?: number;
}

export interface MapLayer {
  title: string;
  units: string;
  grid: PointGrid;
  values: ArrayLike<number>;
  cmap: Colormap;
  /** Colour-scale limits; values outside saturate (the caller shares them between comparable panels). */
  range: [number, number];
  /** Short text on a line under the title (e.g. the area mean). */
  note?: string;
  /** Words under the two ends of the colour bar, e.g. which colour means "better" on a difference map. */
  legend?: { low: string; high: string };
  /** Draw the colour bar under the map (default true); false when a group of maps shares one bar. */
  colorBar?: boolean;
}

/** Where the map frame sits in a panel, in CSS pixels (multiply by PIXEL_RATIO for PNG pixels). */
export interface PanelFrame {
  width: number;
  height: number;
  x0: number;
  y0: number;
  fw: number;
  fh: number;
}

const MARGIN = { left: 62, right: 12 };
const TITLE_GAP = 8;

/** Configure once (box, size), then `render` any number of fields on it. */
export class MapPanel {
  private readonly width: number;
  private bbox?: BBox;
  /** Coastlines and borders near the box, cut once per panel configuration. */
  private lines?: { coast: MultiLineString; borders: MultiLineString };

  constructor(options: MapPanelOptions = {}) {
    this.width = options.width ?? FIGURE_WIDTH;
    if (!Number.isInteger(this.width) || this.width < 200 || this.width > 4000)
      throw new InvalidArgumentError(`map width ${options.width} must be an integer in [200, 4000] pixels`);
    if (options.bbox) this.bbox = fitAspect(validateBBox({ ...options.bbox }));
  }

  /** The frame of `layer`'s panel (title lines and colour-bar words change the margins). */
  frame(layer: MapLayer, titleLines?: number): PanelFrame {
    this.bbox ??= fitAspect(bboxOfPoints(layer.grid.latitude, layer.grid.longitude));
    const lines = titleLines ?? this.titleLines(layer).length;
    const top = TITLE_GAP + lines * LINE_PX + (layer.note ? LINE_PX : 0) + 6;
    const bar = layer.colorBar === false ? 0 : 6 + colorBarHeight(!!layer.legend);
    const bottom = 4 + LINE_PX + bar + 4;
    const fw = this.width - MARGIN.left - MARGIN.right;
    const fh = Math.round(boxHeightForWidth(this.bbox, fw));
    return { width: this.width, height: top + fh + bottom, x0: MARGIN.left, y0: top, fw, fh };
  }

  private titleLines(layer: MapLayer): string[] {
    const ctx = createCanvas(1, 1).getContext('2d');
    ctx.font = FONT_BOLD;
    return wrapText(ctx, layer.title, this.width - 8, 2);
  }

  /** The PNG bytes of one panel. */
  render(layer: MapLayer): Buffer {
    const { grid, values } = layer;
    const n = grid.ny * grid.nx;
    if (values.length !== n || grid.latitude.length !== n || grid.longitude.length !== n)
      throw new MismatchError(
        `map "${layer.title}": ${values.length} values for a ${grid.ny}×${grid.nx} grid with ` +
          `${grid.latitude.length} latitudes and ${grid.longitude.length} longitudes`,
      );
    if (!(layer.range[1] > layer.range[0]))
      throw new InvalidArgumentError(`map "${layer.title}": colour range ${layer.range.join('..')} is empty`);
    const title = this.titleLines(layer);
    const { width, height, x0, y0, fw, fh } = this.frame(layer, title.length);
    const box = this.bbox!;
    const R = PIXEL_RATIO;
    const canvas = createCanvas(width * R, height * R);
    const ctx = canvas.getContext('2d');
    ctx.scale(R, R);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    const projection = boxProjection(box, x0, y0, fw, fh);

    // Field at device resolution: missing values and points outside the grid stay light grey.
    ctx.fillStyle = '#d9d9d9';
    ctx.fillRect(x0, y0, fw, fh);
    const image = rasterizeCells(
      grid,
      values,
      fw * R,
      fh * R,
      (lon, lat) => {
        const p = projection([lon, lat]);
        return p ? [(p[0] - x0) * R, (p[1] - y0) * R] : [NaN, NaN];
      },
      (v) => colorAt(layer.cmap, (v - layer.range[0]) / (layer.range[1] - layer.range[0])),
    );
    const layerCanvas = createCanvas(fw * R, fh * R);
    const lctx = layerCanvas.getContext('2d');
    const imageData = lctx.createImageData(fw * R, fh * R);
    imageData.data.set(image);
    lctx.putImageData(imageData, 0, 0);
    ctx.drawImage(layerCanvas, x0, y0, fw, fh);

    drawGraticule(ctx, box, projection, x0, y0, fw, fh);
    this.lines ??= {
      coast: linesInBox(coastlines(resolutionForBox(box)), box),
      borders: linesInBox(countryBorders(resolutionForBox(box)), box),
    };
    const path = geoPath(projection, ctx as unknown as CanvasRenderingContext2DLike);
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y0, fw, fh);
    ctx.clip();
    ctx.beginPath();
    path(this.lines.borders);
    ctx.strokeStyle = 'rgba(40,40,40,0.6)';
    ctx.lineWidth = 0.6;
    ctx.stroke();
    ctx.beginPath();
    path(this.lines.coast);
    ctx.strokeStyle = '#111111';
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.restore();

    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, y0 + 0.5, fw - 1, fh - 1);
    ctx.fillStyle = '#000000';
    ctx.font = FONT_BOLD;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    title.forEach((line, i) => ctx.fillText(line, 4, TITLE_GAP + i * LINE_PX));
    if (layer.note) {
      ctx.font = FONT;
      ctx.fillText(layer.note, 4, TITLE_GAP + title.length * LINE_PX + 1, width - 8);
    }
    if (layer.colorBar !== false)
      drawColorBar(
        ctx,
        layer.cmap,
        layer.range,
        layer.units,
        x0,
        y0 + fh + 4 + LINE_PX + 6,
        fw,
        layer.legend,
      );
    return canvas.toBuffer('image/png');
  }
}

/** d3-geo draws into anything with the CanvasPath methods; @napi-rs/canvas provides them. */
type CanvasRenderingContext2DLike = Parameters<typeof geoPath>[1];

/** Widen a box whose projected aspect would be extreme (taller than 1.3× or flatter than 0.45× its width). */
function fitAspect(box: BBox): BBox {
  const ratio = boxHeightForWidth(box, 1);
  if (ratio > 1.3) {
    const k = Math.cos(((box.south + box.north) / 2) * (Math.PI / 180));
    const want = (box.north - box.south) / (1.3 * k);
    const pad = (want - (box.east - box.west)) / 2;
    return { ...box, west: box.west - pad, east: box.east + pad };
  }
  if (ratio < 0.45) {
    const k = Math.cos(((box.south + box.north) / 2) * (Math.PI / 180));
    const want = 0.45 * (box.east - box.west) * k;
    const pad = (want - (box.north - box.south)) / 2;
    return { ...box, south: Math.max(-90, box.south - pad), north: Math.min(90, box.north + pad) };
  }
  return box;
}

const GRATICULE_STEPS = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 45, 60];

/** Meridians and parallels every `step` degrees (2–4 lines across), labelled outside the frame; a label
 * that would overlap its neighbour is left out (its line stays). */
function drawGraticule(
  ctx: SKRSContext2D,
  box: BBox,
  projection: (p: [number, number]) => [number, number] | null,
  x0: number,
  y0: number,
  fw: number,
  fh: number,
): void {
  const span = Math.max(box.east - box.west, box.north - box.south);
  const step = GRATICULE_STEPS.find((s) => span / s <= 4) ?? 90;
  const latMid = (box.south + box.north) / 2;
  const lonMid = (box.west + box.east) / 2;
  ctx.save();
  ctx.strokeStyle = 'rgba(0,0,0,0.35)';
  ctx.lineWidth = 0.7;
  ctx.setLineDash([3, 3]);
  ctx.fillStyle = '#000000';
  ctx.font = FONT;
  let lastRight = -Infinity;
  for (let lon = Math.ceil(box.west / step) * step; lon <= box.east + 1e-9; lon += step) {
    const p = projection([lon, latMid]);
    if (!p || p[0] < x0 || p[0] > x0 + fw) continue;
    ctx.beginPath();
    ctx.moveTo(p[0], y0);
    ctx.lineTo(p[0], y0 + fh);
    ctx.stroke();
    const text = lonLabel(lon);
    const w = ctx.measureText(text).width;
    const cx = Math.min(p[0], x0 + fw + MARGIN.right - w / 2);
    if (cx - w / 2 < lastRight + 6) continue;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(text, cx, y0 + fh + 4);
    lastRight = cx + w / 2;
  }
  let lastTop = Infinity;
  for (let lat = Math.ceil(box.south / step) * step; lat <= box.north + 1e-9; lat += step) {
    const p = projection([lonMid, lat]);
    if (!p || p[1] < y0 || p[1] > y0 + fh) continue;
    ctx.beginPath();
    ctx.moveTo(x0, p[1]);
    ctx.lineTo(x0 + fw, p[1]);
    ctx.stroke();
    if (p[1] + LINE_PX / 2 > lastTop) continue;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(latLabel(lat), x0 - 4, p[1], x0 - 6);
    lastTop = p[1] - LINE_PX / 2;
  }
  ctx.restore();
}

function trim(v: number): string {
  return String(Number(v.toFixed(2)));
}

export function lonLabel(lon: number): string {
  const l = ((((lon + 180) % 360) + 360) % 360) - 180;
  if (Math.abs(l) < 1e-9) return '0°';
  if (Math.abs(Math.abs(l) - 180) < 1e-9) return '180°';
  return `${trim(Math.abs(l))}°${l < 0 ? 'W' : 'E'}`;
}

export function latLabel(lat: number): string {
  if (Math.abs(lat) < 1e-9) return '0°';
  return `${trim(Math.abs(lat))}°${lat < 0 ? 'S' : 'N'}`;
}
