import { FlagRefused } from './rules.js';

/** Progressive rollouts (filled in below). */
export class RolloutDesk {
  async start(_input: {
    key: string;
    environment: string;
    from: number;
    to: number;
    overMs: number;
    guard?: string;
    userId: string;
    channel: string;
  }): Promise<void> {
    throw new FlagRefused('Progressive rollouts are not available yet.');
  }
}
