import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Lease metrics by lease name, registered on an injected registry. One instance per process, shared by all its
 * leases. `sum by (name) (lease_held)` across replicas is 1 when all is well: 0 means nobody does that work,
 * 2 or more cannot happen while PostgreSQL is the judge.
 */
export class LeaseMetrics {
  readonly held: Gauge<'name'>;
  readonly acquisitions: Counter<'name'>;
  readonly losses: Counter<'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.held = new Gauge({
      name: 'lease_held',
      help: 'Whether this replica holds the lease (1) or not (0)',
      labelNames: ['name'],
      registers,
    });
    this.acquisitions = new Counter({
      name: 'lease_acquisitions_total',
      help: 'Times this replica became the holder of the lease',
      labelNames: ['name'],
      registers,
    });
    this.losses = new Counter({
      name: 'lease_losses_total',
      help: 'Times this replica lost the lease against its will (connection dropped, check failed or timed out)',
      labelNames: ['name'],
      registers,
    });
  }
}
