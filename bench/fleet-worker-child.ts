/**
 * Child-process entry of one fleet worker for bench/fleet.ts: an injector and a `BatchWorker` on
 * the run's queue, pacing as told — through the shared Redis store (`shared`), alone in this process
 * (`alone`, the in-process limiter), or through rate-limiter-flexible (`rlf`).
 * argv[2]: JSON `FleetWorkerConfig`. Sends `{type: 'ready'}`, then on `{type: 'stop'}` finishes its
 * jobs, closes and sends `{type: 'stopped'}`.
 */
import { BatchWorker } from '../src/fleet/batch-worker.js';
import { redisRequestPacers } from '../src/fleet/redis-pacer-factory.js';
import { parseRedisStoreAddress } from '../src/fleet/redis-store-address.js';
import { runQueuedInjection } from '../src/fleet/run-queued-injection.js';
import { GenesysPromptInjector } from '../src/injector.js';
import { rateLimiterFlexiblePacers } from './fleet-rlf-pacer.js';

/** How the parent configures a worker. */
export interface FleetWorkerConfig {
  redisUrl: string;
  queueName: string;
  keyPrefix: string;
  environment: string;
  clientId: string;
  clientSecret: string;
  pacing: 'shared' | 'alone' | 'rlf';
  requestsPerMinute: number;
  requestBurst: number;
  concurrency: number;
  transport: 'notifications' | 'direct';
}

const config = JSON.parse(process.argv[2] ?? '{}') as FleetWorkerConfig;
const pacer =
  config.pacing === 'shared'
    ? { rateLimiter: redisRequestPacers({ store: config.redisUrl, keyPrefix: config.keyPrefix }) }
    : config.pacing === 'rlf'
      ? { rateLimiter: rateLimiterFlexiblePacers(config.redisUrl, config.keyPrefix) }
      : {};
const injector = new GenesysPromptInjector({
  environment: config.environment,
  clientId: config.clientId,
  clientSecret: config.clientSecret,
  transport: config.transport,
  requestsPerMinute: config.requestsPerMinute,
  requestBurst: config.requestBurst,
  ...pacer,
});
await injector.initialize();
const worker = new BatchWorker({
  address: parseRedisStoreAddress('redisUrl', config.redisUrl),
  name: config.queueName,
  concurrency: config.concurrency,
  run: (injection, signal) => runQueuedInjection(injector, injection, signal),
});
await worker.waitUntilReady();
process.send?.({ type: 'ready' });

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await injector.close();
  process.send?.({ type: 'stopped', finished: worker.finished });
  process.disconnect();
};
process.on('message', (raw: unknown) => {
  if ((raw as { type?: string }).type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
