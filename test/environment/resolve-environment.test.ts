import { describe, expect, it } from 'vitest';
import { isLoopbackHost, resolveEnvironment } from '../../src/environment/resolve-environment.js';
import { REGION_HOSTS } from '../../src/environment/region-hosts.js';
import { loadSdk } from '../../src/sdk/sdk-binding.js';
import { ConfigurationError } from '../../src/errors.js';

describe('resolveEnvironment', () => {
  it('maps a region name to its domain with the SDK region table', () => {
    expect(resolveEnvironment('us_east_1')).toEqual({
      kind: 'region',
      loginBaseUrl: 'https://login.mypurecloud.com',
      apiBaseUrl: 'https://api.mypurecloud.com',
      socketBaseUrl: 'wss://api.mypurecloud.com',
      sdkEnvironment: 'mypurecloud.com',
      allowInsecure: false,
    });
    expect(resolveEnvironment('eu_west_1').apiBaseUrl).toBe('https://api.mypurecloud.ie');
    expect(resolveEnvironment('ap_southeast_2').loginBaseUrl).toBe('https://login.mypurecloud.com.au');
  });

  it('takes a domain, with or without an api./login. prefix', () => {
    const env = resolveEnvironment('mypurecloud.de');
    expect(env.kind).toBe('domain');
    expect(env.loginBaseUrl).toBe('https://login.mypurecloud.de');
    expect(env.apiBaseUrl).toBe('https://api.mypurecloud.de');
    expect(env.sdkEnvironment).toBe('mypurecloud.de');
    expect(resolveEnvironment('api.usw2.pure.cloud').apiBaseUrl).toBe('https://api.usw2.pure.cloud');
  });

  it('puts login, REST and sockets on the origin of a base URL, through an SDK gateway', () => {
    const env = resolveEnvironment('http://127.0.0.1:8787');
    expect(env).toEqual({
      kind: 'baseUrl',
      loginBaseUrl: 'http://127.0.0.1:8787',
      apiBaseUrl: 'http://127.0.0.1:8787',
      socketBaseUrl: 'ws://127.0.0.1:8787',
      gateway: { host: '127.0.0.1', protocol: 'http', port: 8787 },
      allowInsecure: false,
    });
    const secure = resolveEnvironment('https://gateway.example.com/genesys/');
    expect(secure.socketBaseUrl).toBe('wss://gateway.example.com/genesys');
    expect(secure.gateway).toEqual({
      host: 'gateway.example.com',
      protocol: 'https',
      path_params_login: '/genesys',
      path_params_api: '/genesys',
    });
  });

  it.each([
    'http://localhost:9000',
    'http://127.0.0.1',
    'http://127.8.9.10:1',
    'http://[::1]:8787',
    'ws://localhost:1',
  ])('allows plain http/ws to loopback %s', (url) => {
    expect(resolveEnvironment(url).kind).toBe('baseUrl');
  });

  it('refuses plain http to a non-loopback host, naming the field and the fix', () => {
    const attempt = () => resolveEnvironment('http://genesys.example.com:8080');
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/environment: plain http:\/\/ to genesys\.example\.com .*allowInsecure/);
    expect(() => resolveEnvironment('ws://10.0.0.5:80')).toThrow(ConfigurationError);
  });

  it('allows plain http to a remote host when the caller opts in', () => {
    expect(resolveEnvironment('http://10.0.0.5:8080', { allowInsecure: true }).apiBaseUrl).toBe(
      'http://10.0.0.5:8080',
    );
  });

  it.each([
    '',
    '   ',
    'not a thing',
    'us_east_99',
    'ftp://127.0.0.1',
    'https://user:pw@host.example.com',
    'http://',
  ])('refuses %j with a ConfigurationError on environment', (value) => {
    try {
      resolveEnvironment(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).field).toBe('environment');
    }
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(
      ['example.com', '10.0.0.1', '128.0.0.1', '::2', 'localhost.example.com'].some(isLoopbackHost),
    ).toBe(false);
  });
});

describe('REGION_HOSTS', () => {
  it('is the official SDK’s region table, so resolving a region never needs the SDK loaded', async () => {
    const sdk = await loadSdk();
    expect(REGION_HOSTS).toEqual(sdk.PureCloudRegionHosts);
  });
});
