import { createCanvas } from '@napi-rs/canvas';
import { renderHtml } from '../../../libs/report/html.js';
import type { CaseStudyReport } from '../../../libs/report/model.js';
import { FONT_BOLD, LABEL_PX, PIXEL_RATIO } from '../../../libs/report/style.js';
import { wrapText } from '../../../libs/report/text.js';
import { displayUnits, toDisplay, toDisplayDelta } from '../../../libs/report/units.js';
import { renderColorBar, ROW_WIDTH } from '../../../libs/report/colorBar.js';
import { RDBU_R } from '../../../libs/report/colormaps.js';
import { decodePng } from './pngPixels.js';

describe('figure text', () => {
  test('long titles wrap onto a second line instead of being squeezed, and never overflow', () => {
    const ctx = createCanvas(1, 1).getContext('2d');
    ctx.font = FONT_BOLD;
    const title = 'P(air_temperature > 15.09 °C) raw 12 members';
    const lines = wrapText(ctx, title, 280, 2);
    expect(lines.length).toBe(2);
    expect(lines.join(' ')).toBe(title);
    for (const l of lines) expect(ctx.measureText(l).width).toBeLessThanOrEqual(280);
    const cut = wrapText(ctx, `${title} ${title} ${title}`, 280, 2);
    expect(cut.length).toBe(2);
    expect(cut[1].endsWith('…')).toBe(true);
    expect(ctx.measureText(cut[1]).width).toBeLessThanOrEqual(280);
  });

  test('a shared colour bar is a row-wide PNG at PIXEL_RATIO', async () => {
    const png = renderColorBar({
      cmap: RDBU_R,
      range: [-1, 1],
      units: '°C',
      ends: { low: '← EMOS better', high: 'raw better →' },
    });
    const img = await decodePng(png);
    expect(img.width).toBe(ROW_WIDTH * PIXEL_RATIO);
  });
});

describe('display units', () => {
  test('kelvin is shown in °C, geopotential in dam, precipitation in mm; deltas are not offset', () => {
    const k = displayUnits('K', 'air_temperature');
    expect(k.units).toBe('°C');
    expect(toDisplay(k, 273.15)).toBeCloseTo(0, 10);
    expect(toDisplayDelta(k, 1.5)).toBe(1.5);
    const z = displayUnits('m**2 s**-2', 'z');
    expect(z.units).toBe('dam');
    expect(toDisplay(z, 5500 * 9.80665)).toBeCloseTo(550, 9);
    expect(displayUnits('kg m-2', 'precipitation_amount').units).toBe('mm');
    expect(toDisplay(displayUnits('m', 'tp'), 0.0042)).toBeCloseTo(4.2, 9);
    expect(displayUnits('m s-1', 'wind_speed').units).toBe('m s-1');
  });
});

describe('HTML layout', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  const report: CaseStudyReport = {
    title: 't',
    subtitle: 's',
    generatedAt: '2026-01-01T00:00:00Z',
    run: {},
    scores: [],
    warnings: [],
    sections: [
      {
        heading: 'Maps',
        columns: 5,
        images: [1, 2, 3].map((i) => ({ caption: `map ${i}`, png })),
        groups: [{ images: [{ caption: 'a', png }], colorBar: { caption: 'bar', png }, note: 'shared' }],
      },
    ],
  };
  const html = renderHtml(report);
  test('at most two figures per row, one per row on narrow screens', () => {
    expect(html).not.toContain('repeat(5');
    expect(html).toMatch(/\.grid\{[^}]*repeat\(2,minmax\(0,480px\)\)/);
    expect(html).toMatch(/@media \(max-width:760px\)\{\.grid\{grid-template-columns:minmax\(0,1fr\)\}\}/);
  });
  test('every figure can be enlarged and states its label size for the legibility checks', () => {
    expect(html.match(/class="zoom"/g)?.length).toBe(4);
    expect(html.match(new RegExp(`data-label-px="${LABEL_PX}"`, 'g'))?.length).toBe(5);
    expect(html).toContain('<p>shared</p>');
    expect(html).not.toContain('<script');
  });
});
