import type { IHeaders, KafkaMessage } from 'kafkajs';
import { deadLetterTopicOf } from '@seller-bridge/contracts';

/** Headers added to a dead-lettered message; the original key, value and headers are kept untouched. */
export const DeadLetterHeader = {
  code: 'dlq-error-code',
  reason: 'dlq-reason',
  attempts: 'dlq-attempts',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

export interface DeadLetterReason {
  code: string;
  reason: string;
  attempts: number;
}

/**
 * The dead-letter copy of a message: same key and value byte for byte, original headers, and why it failed.
 * Replaying it means producing key, value and the original headers back to `dlq-original-topic`.
 */
export function deadLetterMessage(
  source: { topic: string; partition: number; message: KafkaMessage; groupId: string },
  why: DeadLetterReason,
  failedAt: Date,
): { topic: string; message: { key: Buffer | null; value: Buffer | null; headers: IHeaders } } {
  const reason = why.reason.length > 2000 ? `${why.reason.slice(0, 2000)}…` : why.reason;
  return {
    topic: deadLetterTopicOf(source.topic),
    message: {
      key: source.message.key,
      value: source.message.value,
      headers: {
        ...(source.message.headers ?? {}),
        [DeadLetterHeader.code]: why.code,
        [DeadLetterHeader.reason]: reason,
        [DeadLetterHeader.attempts]: String(why.attempts),
        [DeadLetterHeader.originalTopic]: source.topic,
        [DeadLetterHeader.originalPartition]: String(source.partition),
        [DeadLetterHeader.originalOffset]: source.message.offset,
        [DeadLetterHeader.consumerGroup]: source.groupId,
        [DeadLetterHeader.failedAt]: failedAt.toISOString(),
      },
    },
  };
}
