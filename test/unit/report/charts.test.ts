import { PIXEL_RATIO } from '../../../libs/report/style.js';
import { renderChart } from '../../../libs/report/charts/chart.js';
import { rankHistogramChart, reliabilityChart } from '../../../libs/report/charts/verification.js';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { decodePng } from './pngPixels.js';

describe('charts', () => {
  test('a line chart is a PNG of the requested layout size at PIXEL_RATIO with the series colour drawn', async () => {
    const png = renderChart({
      title: 'CRPS',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ label: 'a', color: '#ff0000', kind: 'line', x: [0, 1, 2], y: [1, 2, NaN] }],
      width: 300,
      height: 200,
    });
    const img = await decodePng(png);
    expect([img.width, img.height]).toEqual([300 * PIXEL_RATIO, 200 * PIXEL_RATIO]);
    let red = 0;
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) if (img.at(x, y)[0] > 230 && img.at(x, y)[1] < 40) red++;
    expect(red).toBeGreaterThan(50 * PIXEL_RATIO);
  });
  test('bad series are typed errors', () => {
    expect(() => renderChart({ title: 't', xLabel: '', yLabel: '', series: [] })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      renderChart({
        title: 't',
        xLabel: '',
        yLabel: '',
        series: [{ label: 'a', color: '#000', kind: 'line', x: [1], y: [] }],
      }),
    ).toThrow(/1 x and 0 y/);
  });
  test('histograms and reliability render', () => {
    expect(
      rankHistogramChart([{ label: 'raw', counts: [5, 1, 1, 5] }])
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(
      reliabilityChart(
        [{ label: 'r', forecastProbability: [0.1, 0.9], observedFrequency: [0.2, 0.8], count: [3, 0] }],
        'T > 0',
      ).length,
    ).toBeGreaterThan(1000);
  });
});
