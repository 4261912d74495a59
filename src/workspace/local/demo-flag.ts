import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, OpenFeature } from '@openfeature/server-sdk';

/** The flag the demo service reads, and who it is asked for. */
export const DEMO_FLAG = 'new-checkout';
const VISITOR = 'demo-visitor';

export interface DemoFlagReading {
  key: string;
  value: boolean;
  variant?: string;
  reason?: string;
  error?: string;
}

/**
 * The demo service's flag, read as any application would: the OpenFeature server SDK with the OFREP provider, pointed
 * at Opsdeck with the environment's bearer token. Until `connect`, it answers "not connected".
 */
export class DemoFlag {
  private client: Client | undefined;

  async connect(opsdeckUrl: string, token: string): Promise<void> {
    const provider = new OFREPProvider({ baseUrl: opsdeckUrl, headers: [['Authorization', `Bearer ${token}`]] });
    await OpenFeature.setProviderAndWait('opsdeck-demo-service', provider);
    this.client = OpenFeature.getClient('opsdeck-demo-service');
  }

  async read(): Promise<DemoFlagReading> {
    if (!this.client) return { key: DEMO_FLAG, value: false, error: 'not connected to Opsdeck yet' };
    const details = await this.client.getBooleanDetails(DEMO_FLAG, false, { targetingKey: VISITOR });
    return {
      key: DEMO_FLAG,
      value: details.value,
      ...(details.variant !== undefined && { variant: details.variant }),
      ...(details.reason !== undefined && { reason: details.reason }),
      ...(details.errorCode !== undefined && { error: details.errorCode }),
    };
  }

  async close(): Promise<void> {
    await OpenFeature.clearProviders();
  }
}
