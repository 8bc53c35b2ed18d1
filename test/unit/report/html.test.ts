import { renderHtml, formatNumber, escapeHtml } from '../../../libs/report/html.js';
import type { CaseStudyReport } from '../../../libs/report/model.js';

const report: CaseStudyReport = {
  title: 'Case <study>',
  subtitle: 'sub',
  generatedAt: '2026-01-01T00:00:00Z',
  run: { model: 'EMOS & co' },
  scores: [],
  warnings: ['PDF not produced: no Chromium'],
  sections: [
    {
      heading: 'Maps',
      images: [{ caption: 'truth', png: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }],
      tables: [{ caption: 'scores', columns: ['forecast', 'CRPS'], rows: [['raw', 0.123456]] }],
    },
  ],
};

describe('renderHtml', () => {
  test('is self-contained: images are data URIs and nothing is fetched', () => {
    const html = renderHtml(report);
    expect(html).toContain('src="data:image/png;base64,iVBORw==');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain("default-src 'none'");
  });
  test('escapes text and formats numbers', () => {
    const html = renderHtml(report);
    expect(html).toContain('Case &#60;study&#62;');
    expect(html).toContain('EMOS &#38; co');
    expect(html).toContain('<td>0.1235</td>');
    expect(html).toContain('PDF not produced');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatNumber(12)).toBe('12');
    expect(escapeHtml('"')).toBe('&#34;');
  });
});
