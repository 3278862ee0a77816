import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestLogger } from '@seller-bridge/service-kit';
import { AppModule } from './app.module';
import { OrderGatewayConfig } from './config/order-gateway.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule.register(), { bufferLogs: true });
  app.useLogger(app.get(NestLogger));
  app.enableShutdownHooks();
  await app.listen(app.get(OrderGatewayConfig).HTTP_PORT, '0.0.0.0');
}

bootstrap().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err?.stack ?? String(err))}\n`);
  process.exit(1);
});
