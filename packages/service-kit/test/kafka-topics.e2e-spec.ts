import { createTopicsAndWait } from '../src/kafka/kafka.factory';
import { testKafka, uniqueTestTopic } from '../src/testing';

describe(createTopicsAndWait.name, () => {
  const kafka = testKafka('topics-spec');

  it('returns only once every new topic’s partition leaders answer, many topics created at once', async () => {
    const names = Array.from({ length: 30 }, () => uniqueTestTopic('created').name);
    const admins = names.map(() => kafka.admin());
    await Promise.all(admins.map((a) => a.connect()));
    try {
      // Each topic by its own admin at the same moment, as services starting together do; its offsets are read
      // right after, with no retry: a leader not yet serving the partition fails here ("not leader").
      await Promise.all(
        names.map(async (topic, i) => {
          await createTopicsAndWait(admins[i], [{ topic, numPartitions: 3 }]);
          const offsets = await admins[i].fetchTopicOffsets(topic);
          expect(offsets).toHaveLength(3);
        }),
      );
      // Created again (by another service meanwhile): not an error.
      await createTopicsAndWait(admins[0], [{ topic: names[0], numPartitions: 3 }]);
    } finally {
      await Promise.all(admins.map((a) => a.disconnect()));
    }
  });
});
