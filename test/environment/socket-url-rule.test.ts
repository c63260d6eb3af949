import { describe, expect, it } from 'vitest';
import { resolveEnvironment, socketUrlProblem } from '../../src/environment/resolve-environment.js';

describe('socket URLs the server hands out obey the environment', () => {
  const cloud = resolveEnvironment('mypurecloud.com');
  const https = resolveEnvironment('https://api.example.com');
  const loopback = resolveEnvironment('http://127.0.0.1:8787');
  const insecure = resolveEnvironment('http://genesys.lan:8787', { allowInsecure: true });

  it('accepts wss:// anywhere, as Genesys serves streaming.{domain}', () => {
    expect(socketUrlProblem('wss://streaming.mypurecloud.com/channels/1', cloud)).toBeUndefined();
    expect(socketUrlProblem('wss://elsewhere.example/channels/1', https)).toBeUndefined();
  });

  it('refuses plain ws:// from a secure environment, to its own host or another', () => {
    expect(socketUrlProblem('ws://api.example.com/channels/1', https)).toMatch(/unencrypted/);
    expect(socketUrlProblem('ws://another-host.example/channels/1', https)).toMatch(
      /another host than the environment's \(api\.example\.com\).*only wss:\/\//,
    );
    expect(socketUrlProblem('ws://streaming.mypurecloud.com/x', cloud)).toMatch(/another host/);
  });

  it('accepts ws:// on loopback, and to the own host with allowInsecure — never to another host', () => {
    expect(socketUrlProblem('ws://127.0.0.1:8787/channels/1', loopback)).toBeUndefined();
    expect(socketUrlProblem('ws://localhost:9999/channels/1', loopback)).toBeUndefined();
    expect(socketUrlProblem('ws://evil.example/channels/1', loopback)).toMatch(/another host/);
    expect(socketUrlProblem('ws://genesys.lan:8787/channels/1', insecure)).toBeUndefined();
    expect(socketUrlProblem('ws://other.lan:8787/channels/1', insecure)).toMatch(/another host/);
    expect(socketUrlProblem('ws://127.0.0.1:1/x', https)).toMatch(/another host/);
  });

  it('refuses what is not a WebSocket URL', () => {
    expect(socketUrlProblem('not a url', loopback)).toBe('it is not a URL');
    expect(socketUrlProblem('http://127.0.0.1:8787/channels/1', loopback)).toMatch(/not a WebSocket URL/);
    expect(socketUrlProblem('file:///etc/passwd', loopback)).toMatch(/not a WebSocket URL/);
  });
});
