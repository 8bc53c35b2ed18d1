/**
 * The HTTP layer's own types and file responses (Fastify under Nest): controllers answer through these so
 * the adapter is named in one place.
 */
import { createReadStream, statSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Reply = FastifyReply;
export type Req = FastifyRequest;

/** Stream a file with its type, length and modification time (and, for downloads, a file name). */
export function sendFile(res: Reply, abs: string, type: string, attachment?: string): void {
  const st = statSync(abs);
  res.type(type);
  res.header('Content-Length', String(st.size));
  res.header('Last-Modified', st.mtime.toUTCString());
  if (attachment) res.header('Content-Disposition', `attachment; filename="${attachment}"`);
  res.send(createReadStream(abs));
}
