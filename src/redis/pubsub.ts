import type { Logger } from '../log.js';
import type { RedisCommands } from './connections.js';

/** What a subscriber hears: messages on its channel, and that the connection came back (messages may be lost). */
export interface SubscriptionListener {
  message(text: string): void;
  /** The subscription was re-established after a disconnect: anything published meanwhile was missed. */
  reconnected(): void;
}

/**
 * Redis pub/sub for every capability of a process, on one connection of its own (a subscribed connection can run no
 * other command). Opened on the first subscription, closed with the process.
 */
export class Subscriptions {
  private connection: RedisCommands | undefined;
  private readonly listeners = new Map<string, SubscriptionListener[]>();
  private connectedOnce = false;

  constructor(
    /** Opens the subscriber connection (`RedisConnections.connect('subscriber')`). */
    private readonly connectSubscriber: () => RedisCommands,
    private readonly logger: Logger,
  ) {}

  subscribe(channel: string, listener: SubscriptionListener): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    const connection = this.open();
    void connection.subscribe(channel).catch((error: Error) => {
      this.logger.warn({ err: { message: error.message }, channel }, 'redis subscribe failed');
    });
  }

  private open(): RedisCommands {
    if (this.connection) return this.connection;
    // Its own connection that queues while Redis is away: ioredis re-subscribes on reconnect by itself.
    const connection = this.connectSubscriber();
    connection.on('error', (err) => this.logger.debug({ err: { message: err.message } }, 'redis pub/sub error'));
    connection.on('message', (channel: string, text: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener.message(text);
    });
    connection.on('ready', () => {
      if (this.connectedOnce) for (const listener of [...this.listeners.values()].flat()) listener.reconnected();
      this.connectedOnce = true;
    });
    this.connection = connection;
    return connection;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (!connection || connection.status === 'end') return;
    await connection.quit().catch(() => connection.disconnect());
  }
}
