import 'reflect-metadata';
import { IsString, Matches } from 'class-validator';
import { BackboneConfig } from './backbone.config';
import { ConfigError, loadConfig } from './load-config';

/** A service config as a service would write it: the backbone plus one variable of its own. */
class OrderGatewayConfig extends BackboneConfig {
  @IsString()
  @Matches(/^https:\/\//, { message: 'MIRAKL_URL must be an https:// URL' })
  MIRAKL_URL: string;
}

const validEnv = (): NodeJS.ProcessEnv => ({
  SERVICE_NAME: 'order-gateway',
  DATABASE_URL: 'postgres://app:secret@db:5432/orders',
});

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe(loadConfig.name, () => {
  it('converts numeric variables to numbers and splits KAFKA_BROKERS into a trimmed list', () => {
    const config = loadConfig(BackboneConfig, {
      ...validEnv(),
      HTTP_PORT: '8080',
      OUTBOX_BATCH_SIZE: '250',
      CONSUMER_MAX_ATTEMPTS: '7',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,kafka-3:9094',
      LOG_LEVEL: 'debug',
      KAFKA_CLIENT_ID: 'og-1',
    });

    expect(config).toBeInstanceOf(BackboneConfig);
    expect(config.SERVICE_NAME).toBe('order-gateway');
    expect(config.DATABASE_URL).toBe('postgres://app:secret@db:5432/orders');
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.OUTBOX_BATCH_SIZE).toBe(250);
    expect(config.CONSUMER_MAX_ATTEMPTS).toBe(7);
    expect(config.KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9093', 'kafka-3:9094']);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.KAFKA_CLIENT_ID).toBe('og-1');
  });

  it('applies the defaults of every variable that is not set', () => {
    const config = loadConfig(BackboneConfig, validEnv());

    expect(config.HTTP_PORT).toBe(3000);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.KAFKA_TOPIC_PARTITIONS).toBe(6);
    expect(config.OUTBOX_BATCH_SIZE).toBe(500);
    expect(config.OUTBOX_POLL_MS).toBe(100);
    expect(config.OUTBOX_RETENTION_HOURS).toBe(72);
    expect(config.CONSUMER_MAX_ATTEMPTS).toBe(8);
    expect(config.CONSUMER_RETRY_BASE_MS).toBe(500);
    expect(config.CONSUMER_RETRY_MAX_MS).toBe(30000);
    expect(config.CONSUMER_PARTITIONS_CONCURRENTLY).toBe(3);
    expect(config.CONSUMER_MAX_MESSAGES_PER_TRANSACTION).toBe(100);
    expect(config.KAFKA_CLIENT_ID).toBeUndefined();
  });

  it('reports a missing SERVICE_NAME and a bad DATABASE_URL together in one ConfigError', () => {
    const error = configErrorOf(() => loadConfig(BackboneConfig, { DATABASE_URL: 'mysql://app@db/orders' }));

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'SERVICE_NAME']);
    expect(error.message).toContain('SERVICE_NAME');
    expect(error.message).toContain('DATABASE_URL must be a postgres:// URL');
  });

  it('treats an empty-string variable as missing, so a default applies or a required one fails', () => {
    const config = loadConfig(BackboneConfig, { ...validEnv(), HTTP_PORT: '', LOG_LEVEL: '' });
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');

    const error = configErrorOf(() => loadConfig(BackboneConfig, { ...validEnv(), SERVICE_NAME: '' }));
    expect(error.problems.map((p) => p.variable)).toEqual(['SERVICE_NAME']);
  });

  it('names a number variable that is not a number or out of range', () => {
    const error = configErrorOf(() =>
      loadConfig(BackboneConfig, { ...validEnv(), HTTP_PORT: 'eighty', CONSUMER_MAX_ATTEMPTS: '0' }),
    );
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['CONSUMER_MAX_ATTEMPTS', 'HTTP_PORT']);
  });

  it('refuses a broker list entry without a port', () => {
    const error = configErrorOf(() =>
      loadConfig(BackboneConfig, { ...validEnv(), KAFKA_BROKERS: 'kafka-1:9092,kafka-2' }),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(['KAFKA_BROKERS']);
    expect(error.message).toContain('KAFKA_BROKERS must be host:port');
  });

  it('refuses an empty broker list', () => {
    const error = configErrorOf(() => loadConfig(BackboneConfig, { ...validEnv(), KAFKA_BROKERS: ' , ' }));
    expect(error.problems.map((p) => p.variable)).toEqual(['KAFKA_BROKERS']);
    expect(error.message).toContain('at least one broker');
  });

  it('does not copy environment variables the class does not declare onto the config', () => {
    const config = loadConfig(BackboneConfig, {
      ...validEnv(),
      PATH: '/usr/bin',
      AWS_SECRET_ACCESS_KEY: 'leak',
    });

    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(JSON.stringify(config)).not.toContain('leak');
  });

  it('loads a subclass with its own required variable alongside the backbone ones', () => {
    const config = loadConfig(OrderGatewayConfig, {
      ...validEnv(),
      MIRAKL_URL: 'https://mirakl.example',
      HTTP_PORT: '4000',
    });

    expect(config).toBeInstanceOf(OrderGatewayConfig);
    expect(config.MIRAKL_URL).toBe('https://mirakl.example');
    expect(config.HTTP_PORT).toBe(4000);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it("names the subclass's own variable when it is missing", () => {
    const error = configErrorOf(() => loadConfig(OrderGatewayConfig, validEnv()));
    expect(error.problems.map((p) => p.variable)).toEqual(['MIRAKL_URL']);
    expect(error.message).toContain('MIRAKL_URL');
  });
});
