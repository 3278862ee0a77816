import { randomBytes } from 'node:crypto';
import { IsInt, IsNotEmpty, IsOptional, IsString, Min } from 'class-validator';
import { defineTopic, type TopicDefinition } from '@seller-bridge/contracts';

/** Payload of the throwaway topics tests and benchmarks use. */
export class TestEvent {
  @IsString()
  @IsNotEmpty()
  key: string;

  @IsInt()
  @Min(0)
  seq: number;

  @IsOptional()
  @IsString()
  note?: string;
}

/** A fresh topic per test, so tests never see each other's messages. */
export function uniqueTestTopic(label = 'event'): TopicDefinition<TestEvent> {
  const id = randomBytes(4).toString('hex');
  return defineTopic({
    type: `test.t${id}.${label}`,
    version: 1,
    payload: TestEvent,
    keyOf: (e) => e.key,
    keyDescription: 'test key',
    description: 'Test events.',
  });
}
