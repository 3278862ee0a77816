import type { Provider } from '@nestjs/common';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { BackofficeClient } from './backoffice-client';

export const BACKOFFICE_CLIENT_PROVIDER: Provider = {
  provide: BackofficeClient,
  inject: [FulfilmentBridgeConfig],
  useFactory: (c: FulfilmentBridgeConfig) =>
    new BackofficeClient({
      baseUrl: c.BACKOFFICE_URL,
      apiKey: c.BACKOFFICE_API_KEY,
      timeoutMs: c.BACKOFFICE_TIMEOUT_MS,
    }),
};
