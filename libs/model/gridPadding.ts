/**
 * Padding of a [ny, nx] grid to a shape the U-Net can pool (a multiple of 2^levels in both directions),
 * and cropping back. Longitude wraps around on a global grid (no strip of longitudes is dropped, unlike
 * the reference code's crop to a multiple of 32); latitude repeats its edge rows (nearest).
 * 61 × 120 with 2 levels and a 4-column halo → 64 × 128.
 */
import { InvalidArgumentError } from '../contracts/errors.js';

export class GridPadding {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  /** Padded height and width. */
  readonly height: number;
  readonly width: number;

  /**
   * @param ny, nx grid size
   * @param levels pooling levels: the padded size is a multiple of 2^levels
   * @param lonHalo columns wrapped in on each side at least (gives convolutions periodic context)
   * @param periodic true for a global longitude axis (wrap); false → edge padding in x too
   */
  constructor(
    readonly ny: number,
    readonly nx: number,
    levels: number,
    lonHalo: number,
    readonly periodic: boolean,
  ) {
    if (!(ny > 0 && nx > 0)) throw new InvalidArgumentError(`grid ${ny}×${nx} is empty`);
    const m = 2 ** levels;
    this.height = Math.ceil(ny / m) * m;
    this.top = Math.floor((this.height - ny) / 2);
    this.bottom = this.height - ny - this.top;
    const halo = periodic ? lonHalo : 0;
    this.width = Math.ceil((nx + 2 * halo) / m) * m;
    this.left = Math.floor((this.width - nx) / 2);
    this.right = this.width - nx - this.left;
  }

  /** Source index (row, column) in the unpadded grid of padded cell (i, j). */
  private sourceRow(i: number): number {
    return Math.min(this.ny - 1, Math.max(0, i - this.top));
  }

  private sourceCol(j: number): number {
    const x = j - this.left;
    if (this.periodic) return ((x % this.nx) + this.nx) % this.nx;
    return Math.min(this.nx - 1, Math.max(0, x));
  }

  /**
   * Write one [ny, nx] field into channel `c` of a channel-last [height, width, channels] array
   * (adds the padding; the source is untouched). `scale`/`offset`: stored value = (x − offset) · scale.
   */
  writeChannel(
    dst: Float32Array,
    channels: number,
    c: number,
    src: ArrayLike<number>,
    offset = 0,
    scale = 1,
  ): void {
    const cols = new Int32Array(this.width);
    for (let j = 0; j < this.width; j++) cols[j] = this.sourceCol(j);
    for (let i = 0; i < this.height; i++) {
      const srow = this.sourceRow(i) * this.nx;
      const drow = i * this.width;
      for (let j = 0; j < this.width; j++)
        dst[(drow + j) * channels + c] = (src[srow + cols[j]] - offset) * scale;
    }
  }

  /** Read channel `c` of a channel-last padded array back onto the [ny, nx] grid (removes the padding). */
  readChannel(
    src: ArrayLike<number>,
    channels: number,
    c: number,
    out = new Float32Array(this.ny * this.nx),
  ) {
    for (let i = 0; i < this.ny; i++)
      for (let j = 0; j < this.nx; j++)
        out[i * this.nx + j] = src[((i + this.top) * this.width + j + this.left) * channels + c];
    return out;
  }

  /** tf.slice begin/size that crops a [batch, height, width, c] tensor back to the grid. */
  cropSlice(): { begin: [number, number, number, number]; size: [number, number, number, number] } {
    return { begin: [0, this.top, this.left, 0], size: [-1, this.ny, this.nx, -1] };
  }
}
