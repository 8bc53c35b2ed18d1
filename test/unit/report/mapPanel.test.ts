import { MapPanel, latLabel, lonLabel } from '../../../libs/report/mapPanel.js';
import { parseBBox } from '../../../libs/report/geo.js';
import { VIRIDIS } from '../../../libs/report/colormaps.js';
import { MismatchError, InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { decodePng } from './pngPixels.js';
import { PIXEL_RATIO } from '../../../libs/report/style.js';

/** A regular 0.5° grid over the British Isles, latitudes north to south like ERA5. */
function ukGrid(): { ny: number; nx: number; latitude: Float64Array; longitude: Float64Array } {
  const ny = 25;
  const nx = 33;
  const latitude = new Float64Array(ny * nx);
  const longitude = new Float64Array(ny * nx);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      latitude[j * nx + i] = 61 - 0.5 * j;
      longitude[j * nx + i] = -12 + 0.5 * i;
    }
  return { ny, nx, latitude, longitude };
}

describe('MapPanel', () => {
  test('north is up: a field equal to latitude is yellow (high) at the top and purple at the bottom', async () => {
    const grid = ukGrid();
    const values = Float32Array.from(grid.latitude);
    values[12 * grid.nx + 16] = NaN;
    const panel = new MapPanel({ width: 400 });
    const layer = {
      title: 'latitude',
      units: 'degrees_north',
      grid,
      values,
      cmap: VIRIDIS,
      range: [49, 61] as [number, number],
    };
    const img = await decodePng(panel.render(layer));
    const f = panel.frame(layer);
    const R = PIXEL_RATIO;
    expect([img.width, img.height]).toEqual([400 * R, f.height * R]);
    // Sample a pixel column away from coastlines (the open Atlantic at 11.5°W), just inside the frame.
    const x = (f.x0 + 3) * R;
    const top = img.at(x, (f.y0 + 2) * R);
    const bottom = img.at(x, (f.y0 + f.fh - 2) * R);
    expect(top[0]).toBeGreaterThan(200); // viridis high end (#fde725) is red+green
    expect(bottom[2]).toBeGreaterThan(bottom[1]); // low end is purple: blue > green
  });

  test('rejects a grid whose sizes disagree with the values, and an empty colour range', () => {
    const grid = ukGrid();
    const panel = new MapPanel();
    expect(() =>
      panel.render({
        title: 't',
        units: 'K',
        grid,
        values: new Float32Array(3),
        cmap: VIRIDIS,
        range: [0, 1],
      }),
    ).toThrow(MismatchError);
    expect(() =>
      panel.render({
        title: 't',
        units: 'K',
        grid,
        values: new Float32Array(grid.ny * grid.nx),
        cmap: VIRIDIS,
        range: [1, 1],
      }),
    ).toThrow(InvalidArgumentError);
    expect(() => new MapPanel({ width: 10 })).toThrow(InvalidArgumentError);
  });

  test('bbox parsing and degree labels', () => {
    expect(parseBBox('-12,49,4,61')).toEqual({ west: -12, south: 49, east: 4, north: 61 });
    expect(parseBBox('170,-30,-170,-10').east).toBe(190);
    expect(() => parseBBox('1,2,3')).toThrow(InvalidArgumentError);
    expect(() => parseBBox('0,10,5,5')).toThrow(/south/);
    expect(lonLabel(-5)).toBe('5°W');
    expect(lonLabel(190)).toBe('170°W');
    expect(latLabel(-2.5)).toBe('2.5°S');
  });
});
