import type { FastifyInstance } from 'fastify';

/**
 * A request rejected before its body was read (a bad `params` field ahead of a large file, a 401, a
 * 413 by Content-Length) would otherwise keep its connection: the multipart parser stops pulling, the
 * client's bytes back up, and the socket sits there until the keep-alive timeout (72 s), holding up a
 * graceful shutdown. Such a response says `Connection: close`; the body is unhooked from its parser
 * and discarded until Node closes the socket right after the response is written.
 */
export function registerUnreadBodyClose(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    // `complete` is false on a real socket while the body is still arriving (absent under app.inject).
    if (reply.statusCode >= 400 && request.raw.complete === false) {
      reply.header('connection', 'close');
      request.raw.unpipe();
      request.raw.resume();
    }
    return payload;
  });
}
