/**
 * Closing a `ws` socket in whatever state it is in, and waiting until it is gone.
 */
import WebSocket from 'ws';

/**
 * Closes the socket (a handshake in progress is aborted) and resolves once it is closed; a peer that
 * does not answer the close within `graceMs` is cut off.
 * @param ws the socket
 * @param graceMs how long to wait for the closing handshake
 */
export function closeSocket(ws: WebSocket, graceMs = 1000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), graceMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    // Errors while closing are expected (an aborted handshake reports one); the caller is done with it.
    ws.on('error', () => undefined);
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  });
}
