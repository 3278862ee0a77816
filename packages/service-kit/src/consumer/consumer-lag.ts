import type { Admin } from 'kafkajs';
import type { BackboneMetrics } from '../metrics/backbone-metrics';

/** Reads committed offsets and partition ends for each consumer group and sets the lag gauge. */
export async function refreshConsumerLag(
  admin: Admin,
  metrics: BackboneMetrics,
  groups: { groupId: string; topic: string }[],
): Promise<void> {
  for (const { groupId, topic } of groups) {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committedByPartition = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
    for (const end of ends) {
      const high = Number(end.high);
      const c = committedByPartition.get(end.partition) ?? -1;
      // -1: nothing committed yet; the whole partition (from its low mark) is lag.
      const lag = c < 0 ? high - Number(end.low) : high - c;
      metrics.consumerLag.set({ topic, partition: String(end.partition) }, Math.max(0, lag));
    }
  }
}
