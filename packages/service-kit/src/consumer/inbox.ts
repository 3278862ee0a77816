import type { EntityManager } from 'typeorm';

/**
 * Records event ids as handled by a consumer group, in the caller's transaction (the one holding the
 * handler's effects). Returns the ids that were new, lower-cased: PostgreSQL returns uuids in lower case
 * whatever case the producer wrote them in. An id already recorded, or repeated in `eventIds`, is not new
 * (a repeated id comes back once: only its first copy is new).
 */
export async function recordInInbox(
  manager: EntityManager,
  consumerGroup: string,
  topic: string,
  eventIds: string[],
): Promise<Set<string>> {
  const inserted: { event_id: string }[] = await manager.query(
    `INSERT INTO backbone_inbox (consumer, event_id, topic)
     SELECT $1, id, $3 FROM unnest($2::uuid[]) AS id
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumerGroup, eventIds, topic],
  );
  return new Set(inserted.map((r) => r.event_id.toLowerCase()));
}
