import { DemoOrder } from '../orders/demo-order.entity';
import { DemoOrder1764100001000 } from './migrations/1764100001000-demo-order';

/** The service's entities and migrations (the backbone's own migrations are added by the kit). */
export const DEMO_ENTITIES = [DemoOrder];
export const DEMO_MIGRATIONS = [DemoOrder1764100001000];
