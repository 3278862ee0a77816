import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Catalogue publishing as operations see it, per marketplace: products still to send, lines Mirakl refused
 * (and whole files that failed), and how far a full sync has come (0..1).
 */
export class CatalogueMetrics {
  readonly productsPending: Gauge<'marketplace'>;
  readonly importErrors: Counter<'marketplace' | 'kind'>;
  readonly fullSyncProgress: Gauge<'marketplace'>;
  readonly importsSent: Counter<'marketplace' | 'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.productsPending = new Gauge({
      name: 'catalogue_products_pending',
      help: 'Active products new or changed since last sent to the marketplace (counted at the start of each pass)',
      labelNames: ['marketplace'],
      registers,
    });
    this.importErrors = new Counter({
      name: 'catalogue_import_errors_total',
      help: 'Product or offer lines Mirakl refused (error report lines), plus import files that failed as a whole',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.fullSyncProgress = new Gauge({
      name: 'catalogue_full_sync_progress',
      help: 'Share of the active products a full sync has handled (1 when done or when none is running)',
      labelNames: ['marketplace'],
      registers,
    });
    this.importsSent = new Counter({
      name: 'catalogue_imports_sent_total',
      help: 'Product (P41) and offer (OF24) imports sent, retries included',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
  }
}
