/** A tiny scripted HTTP server on 127.0.0.1 for exact fault sequences in tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Client port: equal ports mean one reused keep-alive connection. */
  remotePort: number;
}

/** What a handler answers; `hang` never answers, `reset` destroys the socket. */
export type ScriptedAnswer =
  { status: number; body?: unknown; headers?: Record<string, string> } | 'hang' | 'reset';

/** A running loopback server. */
export interface LoopbackServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server answering each request with `handle(request, index)`. */
export async function startLoopbackServer(
  handle: (request: SeenRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>,
): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(seen);
      void Promise.resolve(handle(seen, requests.length - 1)).then((answer) => {
        if (answer === 'hang') return;
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(text);
      });
    });
  });
  // Only the client ends a kept-alive connection (Node's server would after 5 s idle), so a test that
  // counts sockets sees what the client closed, however long it waits.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 200 OAuth answer. */
export const tokenAnswer = (token: string, expiresIn = 86_399): ScriptedAnswer => ({
  status: 200,
  body: { access_token: token, token_type: 'bearer', expires_in: expiresIn },
});
