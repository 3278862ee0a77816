import { Transform, Type } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

/**
 * Configuration every service has. A service's own config class extends this one and adds its variables.
 * Defaults are for the local development machine; production sets every connection explicitly.
 */
export class BackboneConfig {
  /** Service name: consumer group prefix, Kafka client id, log and metric label. */
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,40}$/, {
    message: 'SERVICE_NAME must be a lower-case name such as order-gateway',
  })
  SERVICE_NAME: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  HTTP_PORT: number = 3000;

  /** PostgreSQL URL of the service's own database. Secrets in it are never logged. */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @Transform(csv)
  @ArrayNotEmpty({ message: 'KAFKA_BROKERS must name at least one broker (host:port[,host:port])' })
  @IsString({ each: true })
  @Matches(/^[^:\s]+:\d+$/, { each: true, message: 'KAFKA_BROKERS must be host:port[,host:port]' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** Partitions of the topics this service creates when they do not exist yet. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  KAFKA_TOPIC_PARTITIONS: number = 6;

  /** Outbox rows published per relay transaction. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  OUTBOX_BATCH_SIZE: number = 500;

  /**
   * How often an idle relay looks for new rows. A commit with events in this process wakes it at once; this
   * poll finds the commits of other processes (other replicas, scripts).
   */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(60000)
  OUTBOX_POLL_MS: number = 100;

  /** Published outbox rows are kept this long for audit and replay, then purged. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_HOURS: number = 72;

  /** Attempts of a handler on a transient error before the message is dead-lettered. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CONSUMER_MAX_ATTEMPTS: number = 8;

  /**
   * First retry delay; doubles each attempt with equal jitter (half to all of it), capped by
   * CONSUMER_RETRY_MAX_MS. Defaults: 8 attempts over about 30–60 s, so a short outage is ridden out.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CONSUMER_RETRY_BASE_MS: number = 500;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CONSUMER_RETRY_MAX_MS: number = 30000;

  /**
   * Messages of one partition handled in one transaction when they arrive together (one inbox insert, one
   * commit). A failing handler rolls its chunk back and the chunk is handled one message at a time.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  CONSUMER_MAX_MESSAGES_PER_TRANSACTION: number = 100;

  /** Partitions of one topic handled at once by one replica. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  CONSUMER_PARTITIONS_CONCURRENTLY: number = 3;

  @IsOptional()
  @IsString()
  KAFKA_CLIENT_ID?: string;
}
