import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestLogger } from '@seller-bridge/service-kit';
import { AppModule } from './app.module';
import { FulfilmentBridgeConfig } from './config/fulfilment-bridge.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule.register(), { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(NestLogger));
  app.enableShutdownHooks();
  await app.listen(app.get(FulfilmentBridgeConfig).HTTP_PORT, '0.0.0.0');
}

bootstrap().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err?.stack ?? String(err))}\n`);
  process.exit(1);
});
