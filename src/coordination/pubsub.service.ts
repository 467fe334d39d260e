import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { loggableError } from '../common/errors/loggable-error.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS, REDIS_SUBSCRIBER, type RedisClient, redisReady } from './redis.provider.js';

type Handler = (message: string) => void;

/**
 * Fleet-wide announcements (Redis pub/sub). Every message is also delivered in-process, so a
 * single instance, or a replica whose Redis is down, still hears its own announcements.
 * Pub/sub is best effort: subscribers must also poll the source of truth as a fallback.
 */
@Injectable()
export class PubSubService implements OnModuleDestroy {
  private readonly logger = new Logger(PubSubService.name);
  private readonly local = new EventEmitter();
  private readonly subscribed = new Set<string>();

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient | null,
    private readonly config: AppConfig,
  ) {
    this.local.setMaxListeners(100);
    this.subscriber?.on('message', (channel: string, message: string) => {
      this.local.emit(this.unprefix(channel), message, true);
    });
  }

  private channel(name: string): string {
    return `${this.config.redisKeyPrefix}${name}`;
  }

  private unprefix(channel: string): string {
    return channel.slice(this.config.redisKeyPrefix.length);
  }

  async publish(name: string, message: string): Promise<void> {
    if (redisReady(this.redis)) {
      try {
        // Redis echoes the message back to our own subscriber; that delivers it locally.
        await this.redis.publish(this.channel(name), message);
        if (this.subscriber?.status === 'ready') return;
      } catch (error) {
        this.logger.warn(`Could not publish ${name}: ${loggableError(error, 'redis')}`);
      }
    }
    this.local.emit(name, message, false);
  }

  async subscribe(name: string, handler: Handler): Promise<void> {
    this.local.on(name, (message: string) => handler(message));
    if (this.subscriber && !this.subscribed.has(name)) {
      this.subscribed.add(name);
      await this.subscriber.subscribe(this.channel(name)).catch((error: unknown) => {
        this.logger.warn(
          `Could not subscribe to ${name}: ${loggableError(error, 'redis')}; polling will catch up`,
        );
      });
    }
  }

  onModuleDestroy(): void {
    this.local.removeAllListeners();
  }
}
