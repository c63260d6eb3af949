import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../src/sdk/request-target.js';

describe('requestTarget', () => {
  it('gives what http.request needs, the same object for the same URL', () => {
    const target = requestTarget('http://127.0.0.1:8787/api/v2/ai/assistants/a%201/conversations', undefined);
    expect(target).toEqual({
      isHttps: false,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8787,
      path: '/api/v2/ai/assistants/a%201/conversations',
      where: 'http://127.0.0.1:8787/api/v2/ai/assistants/a%201/conversations',
    });
    expect(requestTarget('http://127.0.0.1:8787/api/v2/ai/assistants/a%201/conversations', {})).toBe(target);
    const secure = requestTarget('https://api.mypurecloud.com/api/v2/guides?pageSize=25', undefined);
    expect(secure).toMatchObject({ isHttps: true, port: undefined, path: '/api/v2/guides?pageSize=25' });
    expect(requestTarget('http://[::1]:9000/x', undefined)).toMatchObject({ hostname: '::1', port: 9000 });
  });

  it('appends parameters (skipping undefined and null) and keeps such targets out of the cache', () => {
    const target = requestTarget('http://h/x?a=1', { b: 'two words', c: undefined, d: null, e: 5 });
    expect(target.path).toBe('/x?a=1&b=two+words&e=5');
    expect(target.where).toBe('http://h/x');
    expect(requestTarget('http://h/x?a=1', undefined).path).toBe('/x?a=1');
  });

  it('never remembers a URL with credentials, and throws for one that does not parse', () => {
    const url = 'http://user:pw@h/x';
    expect(requestTarget(url, undefined)).not.toBe(requestTarget(url, undefined));
    expect(requestTarget(url, undefined).auth).toBe('user:pw');
    expect(() => requestTarget('not a url', undefined)).toThrow(TypeError);
  });
});
