// Revoked tokens, told to every API process through Redis pub/sub, so a token revoked in one is
// refused by all of them on their next request (session.ts drops it from its cache).
//
// Pub/sub delivers only to subscribers connected at that moment: a process whose subscription
// is down could miss a revocation. So `listening()` is true only while subscribed, the session
// cache caches nothing otherwise, and on every (re)subscription it empties its cache.
import type { Logger } from '@flotilla/log';
import type { Redis } from 'ioredis';

export interface RevocationListener {
  forget(tokenIds: readonly string[]): void;
  forgetAll(): void;
}

export interface RevocationBus {
  /** Tells every API process (this one too) that these tokens no longer count. */
  publish(tokenIds: readonly string[]): Promise<void>;
  /** Whether revocations published elsewhere reach this process now. */
  listening(): boolean;
  /** The session cache registers here (once). */
  listen(listener: RevocationListener): void;
}

export interface RedisRevocationBusOptions {
  /** The process's command connection (fails fast while Redis is away). */
  publisher: Redis;
  /** A connection of its own: a subscribed connection takes no other commands. */
  subscriber: Redis;
  /** `<QUEUE_PREFIX>:revoked-tokens`: installs (and test runs) sharing a Redis stay apart. */
  channel: string;
  log: Logger;
}

export function createRedisRevocationBus(options: RedisRevocationBusOptions): RevocationBus {
  const { publisher, subscriber, channel, log } = options;
  let subscribed = false;
  let listener: RevocationListener | undefined;

  const subscribe = async () => {
    try {
      await subscriber.subscribe(channel);
      // Anything cached before this point may have been revoked while nobody listened.
      listener?.forgetAll();
      subscribed = true;
    } catch (error) {
      log.warn({ err: error }, 'token revocations: subscribing failed; not caching tokens');
    }
  };

  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const ids: unknown = JSON.parse(message);
      if (Array.isArray(ids)) listener?.forget(ids.filter((id) => typeof id === 'string'));
    } catch {
      log.warn({ channel }, 'token revocations: unreadable message ignored');
    }
  });
  // Down, then back: ioredis subscribes again by itself, but what was published in between is
  // lost, hence the cache is emptied once the subscription stands again.
  subscriber.on('close', () => {
    subscribed = false;
  });
  subscriber.on('ready', () => {
    if (!subscribed) void subscribe();
  });
  subscriber.on('error', (error: Error) =>
    log.debug({ err: error }, 'token revocations: subscriber connection error'),
  );
  if (subscriber.status === 'ready') void subscribe();

  return {
    async publish(tokenIds) {
      await publisher.publish(channel, JSON.stringify(tokenIds));
    },
    listening: () => subscribed,
    listen(next) {
      listener = next;
    },
  };
}
