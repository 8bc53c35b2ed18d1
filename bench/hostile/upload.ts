/**
 * The streaming multipart upload and the /health prober shared by `bench hostile` and
 * test/e2e/hostile-uploads: fields first, then the file streamed from disk, so a 190 MiB attack file is
 * never held in memory by the client.
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface UploadResult {
  status: number;
  /** The answer's body, parsed (null if it is not JSON). */
  body: { error?: { code?: string; message?: string } } | null;
  text: string;
  /** ms from the start until the last byte was handed to the socket. */
  sentMs: number;
  /** ms from the start until the answer was complete. */
  totalMs: number;
}

/**
 * POST a multipart upload to `url` + /v1/forecasts with bearer `key`. `totalMs - sentMs` is the server's time
 * with the whole file (a 190 MiB transfer alone takes seconds on a loaded machine).
 */
export function upload(
  url: string,
  key: string,
  fields: Record<string, string>,
  file: string,
): Promise<UploadResult> {
  const boundary = `epp${Date.now()}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { port } = new URL(url);
  const t0 = performance.now();
  let sentMs = NaN;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/forecasts',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + statSync(file).size + tail.length),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: UploadResult['body'] = null;
          try {
            body = JSON.parse(text) as UploadResult['body'];
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body, text, sentMs, totalMs: performance.now() - t0 });
        });
      },
    );
    req.on('error', reject);
    req.write(head);
    const stream = createReadStream(file);
    stream.on('error', reject);
    stream.on('end', () => req.end(tail, () => (sentMs = performance.now() - t0)));
    stream.pipe(req, { end: false });
  });
}

/**
 * GET `url`/health back to back (waiting `gapMs` after each answer) while `work` runs; its result and every
 * /health answer time in ms.
 */
export async function probingHealth<T>(
  url: string,
  gapMs: number,
  work: () => Promise<T>,
): Promise<{ value: T; times: number[] }> {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const r = await fetch(`${url}/health`);
      await r.arrayBuffer();
      times.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, gapMs));
    }
  })();
  try {
    return { value: await work(), times };
  } finally {
    running = false;
    await loop;
  }
}
