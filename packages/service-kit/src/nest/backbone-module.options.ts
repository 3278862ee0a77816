import type { ClassConstructor } from 'class-transformer';
import type { EntitySchema, MixedList } from 'typeorm';
import type { TopicDefinition } from '@seller-bridge/contracts';
import type { BackboneConfig } from '../config/backbone.config';
import type { OutboxRelayOptions } from '../outbox/outbox.relay';
import type { ClassRef } from '../database/data-source';

export interface BackboneModuleOptions<C extends BackboneConfig = BackboneConfig> {
  /** The service's config class (extends BackboneConfig); loaded and validated from the environment at boot. */
  config: ClassConstructor<C>;
  /** Use this config object instead of reading the environment (tests). */
  configValues?: C;
  entities?: MixedList<ClassRef | string | EntitySchema>;
  migrations?: ClassRef[];
  /** Topics the service emits: created at start-up when missing. */
  produces?: TopicDefinition<any>[];
  /** Run the outbox relay in this process (default true). */
  runRelay?: boolean;
  /** Test hook: see {@link OutboxRelayOptions.afterPublish}. */
  relayAfterPublish?: OutboxRelayOptions['afterPublish'];
}
