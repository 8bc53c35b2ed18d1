import { createCanvas, loadImage } from '@napi-rs/canvas';

/** Decode a PNG and return a pixel reader (RGBA) plus its size. */
export async function decodePng(png: Buffer): Promise<{
  width: number;
  height: number;
  at: (x: number, y: number) => [number, number, number, number];
}> {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  return {
    width: img.width,
    height: img.height,
    at: (x, y) => {
      const o = (Math.round(y) * img.width + Math.round(x)) * 4;
      return [data[o], data[o + 1], data[o + 2], data[o + 3]];
    },
  };
}
