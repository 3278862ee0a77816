import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, enableGracefulShutdown, NestLogger } from '@seller-bridge/service-kit';
import { AppModule } from './app.module';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from './marketplaces/marketplace-clients';
import { CatalogueSyncConfig } from './config/catalogue-sync.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule.register(), { bufferLogs: true });
  app.useLogger(app.get(NestLogger));
  // On SIGTERM the Mirakl clients close first: a call waiting for its rate-limit turn (OR11: one a minute)
  // or a retry ends now instead of holding the stop for minutes.
  enableGracefulShutdown(app, {
    before: () => app.get<MarketplaceClients>(MARKETPLACE_CLIENTS).forEach((c) => c.close()),
  });
  await app.listen(app.get(CatalogueSyncConfig).HTTP_PORT, '0.0.0.0');
}

bootstrap().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err?.stack ?? String(err))}\n`);
  process.exit(1);
});
