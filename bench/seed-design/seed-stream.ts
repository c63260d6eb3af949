/**
 * The seed's streaming (Step 3), copied as written: one WebSocket per conversation, subscribe on
 * open, `handleStreamEvents` accumulating chunks with the heuristic count. Its flaws are kept: no
 * reconciliation (chunks sent before the subscription are lost), one malformed frame rejects the
 * whole stream, and the socket is left open after `aiResponseComplete`.
 * One change: the seed builds `wss://${environment}/api/v2/conversations`; the emulator is plain
 * `ws://127.0.0.1:PORT`, so the caller passes the socket origin.
 */
import WebSocket from 'ws';
import { estimateTokens } from './seed-prompt.js';

/** The seed's `StreamConfig`, with the socket origin instead of a bare host name. */
export interface SeedStreamConfig {
  /** `wss://api.mypurecloud.com` in the seed's world; `ws://127.0.0.1:PORT` for the emulator. */
  socketOrigin: string;
  accessToken: string;
  conversationId: string;
}

/** The seed's `connectToAiStream`: a new socket, subscribe once it opens. */
export const connectToAiStream = (config: SeedStreamConfig): WebSocket => {
  const wsUrl = `${config.socketOrigin}/api/v2/conversations`;
  const ws = new WebSocket(wsUrl, {
    headers: {
      Authorization: `Bearer ${config.accessToken}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'subscribe', data: { conversationId: config.conversationId } }));
  });
  return ws;
};

/** Shape the seed reads off a frame. */
interface SeedEvent {
  type?: string;
  data?: { content?: string };
}

/** The seed's `handleStreamEvents`: resolves with the text at completion, at the budget, or on close. */
export const handleStreamEvents = (ws: WebSocket, budget: number): Promise<string> => {
  return new Promise((resolve, reject) => {
    let accumulatedResponse = '';
    let totalTokens = 0;
    let isComplete = false;
    ws.on('message', (data: WebSocket.RawData) => {
      try {
        const event = JSON.parse(data.toString()) as SeedEvent;
        if (event.type === 'aiResponseChunk') {
          const chunk = event.data?.content || '';
          accumulatedResponse += chunk;
          totalTokens += estimateTokens(chunk);
          if (totalTokens >= budget) {
            ws.terminate();
            isComplete = true;
            resolve(accumulatedResponse);
          }
        } else if (event.type === 'aiResponseComplete') {
          isComplete = true;
          resolve(accumulatedResponse);
        }
      } catch {
        reject(new Error('WebSocket message parsing failed'));
      }
    });
    ws.on('error', (err) => reject(err));
    ws.on('close', () => {
      if (!isComplete) {
        resolve(accumulatedResponse);
      }
    });
  });
};
