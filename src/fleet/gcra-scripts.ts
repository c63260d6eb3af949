/**
 * The Redis scripts of the shared pacer, the same rules as the in-process `RateLimiter`: GCRA (a token
 * bucket kept as one timestamp, the "theoretical arrival time"), a cap on sends in any sliding second,
 * and the server-imposed pause — each atomic on the server and timed by the server's own clock, so
 * hosts whose clocks disagree still share one schedule.
 *
 * Why a script and not a library: see docs/dependencies.md (rate-limiter-flexible keeps whole-second
 * fixed windows, which bunch requests at each window's start; measured in bench/fleet.ts).
 */
import type { Redis } from 'ioredis';

/**
 * Books the next slot. KEYS: schedule, pause. ARGV: interval ms, tolerance ms (burst - 1 intervals).
 * Returns the ms to wait before sending (0: now). Mirrors the in-process `RateLimiter`: after a pause
 * the schedule resumes at the plain rate, with no burst.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local arrival = math.max(tat, now)
if paused > now then arrival = math.max(arrival, paused + tolerance) end
local nextTat = arrival + interval
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now) + 1000)
return math.max(0, math.ceil(arrival - tolerance - now - 0.000001))
`;

/** Holds the schedule until now + ARGV[1] ms unless already held longer. KEYS: pause. */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = math.ceil(tonumber(ARGV[1]))
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then redis.call('SET', KEYS[1], tostring(now + ms), 'PX', ms) end
return 1
`;

/**
 * Records one send in the sliding second unless it already holds ARGV[1] sends. KEYS: send log.
 * ARGV: most sends per second, a unique member. Returns 0 when recorded, else the ms until the oldest
 * send leaves the second. Timed sends that a stalled process releases late cannot bunch past it.
 */
const RECORD_SEND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + 1000 - now + 1)
`;

/** A Redis connection with the pacer's scripts defined on it. */
export interface PacingCommands {
  /** Books a slot; resolves with the ms to wait. */
  reserveSlot(
    scheduleKey: string,
    pauseKey: string,
    intervalMs: number,
    toleranceMs: number,
  ): Promise<number>;
  /** Holds the schedule for `ms`. */
  holdSchedule(pauseKey: string, ms: number): Promise<unknown>;
  /** Records a send in the sliding second; resolves 0, or the ms to wait when the second is full. */
  recordSend(logKey: string, perSecond: number, member: string): Promise<number>;
  /** ms the schedule is still held (0 or less: not held). */
  pauseRemainingMs(pauseKey: string): Promise<number>;
}

const defined = new WeakSet<Redis>();

/**
 * The pacing commands on `redis`, defining the scripts the first time (ioredis sends EVALSHA and
 * falls back to EVAL after a server restart lost the script cache).
 * @param redis the connection
 */
export function pacingCommands(redis: Redis): PacingCommands {
  if (!defined.has(redis)) {
    redis.defineCommand('gpiReserveSlot', { numberOfKeys: 2, lua: RESERVE });
    redis.defineCommand('gpiHoldSchedule', { numberOfKeys: 1, lua: PAUSE });
    redis.defineCommand('gpiRecordSend', { numberOfKeys: 1, lua: RECORD_SEND });
    defined.add(redis);
  }
  const commands = redis as unknown as {
    gpiReserveSlot(a: string, b: string, c: string, d: string): Promise<number>;
    gpiHoldSchedule(a: string, b: string): Promise<unknown>;
    gpiRecordSend(a: string, b: string, c: string): Promise<number>;
  };
  return {
    reserveSlot: (scheduleKey, pauseKey, intervalMs, toleranceMs) =>
      commands.gpiReserveSlot(scheduleKey, pauseKey, intervalMs.toFixed(3), toleranceMs.toFixed(3)),
    holdSchedule: (pauseKey, ms) => commands.gpiHoldSchedule(pauseKey, String(Math.max(1, Math.ceil(ms)))),
    recordSend: (logKey, perSecond, member) => commands.gpiRecordSend(logKey, String(perSecond), member),
    pauseRemainingMs: (pauseKey) => redis.pttl(pauseKey),
  };
}
