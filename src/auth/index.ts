/** OAuth and environment resolution through the official SDK. */
export {
  resolveEnvironment,
  isLoopbackHost,
  type ResolvedEnvironment,
  type ResolveEnvironmentOptions,
} from './environment.js';
export { TokenProvider, type TokenProviderOptions } from './token-provider.js';
export {
  createSdkApiClient,
  isSdkApiClient,
  sdkRegionHosts,
  type SdkApiClient,
  type GatewayConfiguration,
} from './sdk-binding.js';
