/**
 * The plain client of the emulator benchmarks: `fetch` or `node:http` with keep-alive, JSON in and
 * out, a bearer token from one client-credentials login — no library code, so the figures are the
 * emulator's.
 */
import { Agent, request } from 'node:http';
import type { EmulatorProcess } from './emulator-process.js';

/** The HTTP client of a run: plain `fetch` (the brief's), or `node:http` with keep-alive (lighter). */
export type BenchHttpClient = 'fetch' | 'node-http';

/** A JSON call with the bearer token. */
export type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Logs in and returns a JSON caller with the bearer token, over `client`. */
export async function connectCaller(
  emulator: Pick<EmulatorProcess, 'baseUrl' | 'clientId' | 'clientSecret'>,
  client: BenchHttpClient,
  onRequest: () => void = () => undefined,
): Promise<{ call: Call; close: () => void }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    if (client === 'fetch') {
      const answer = await fetch(`${emulator.baseUrl}${path}`, { method, headers, body });
      return { status: answer.status, text: await answer.text() };
    }
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${emulator.baseUrl}${path}`, { method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => (text += part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
  const login = await send(
    'POST',
    '/oauth/token',
    { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    'grant_type=client_credentials',
  );
  const { access_token: token } = JSON.parse(login.text) as { access_token: string };
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const call: Call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    onRequest();
    const answer = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return JSON.parse(answer.text) as T;
  };
  return { call, close: () => agent.destroy() };
}
/** The settings of every benchmark conversation. */
export const SETTINGS = { maxTokens: 2048, temperature: 0.2, safetyPolicy: 'strict' as const };

/** The positive number after `--name` on the command line, else `fallback`. */
export function commandLineNumber(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
