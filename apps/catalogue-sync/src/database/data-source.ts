import { CatalogueSync1764200000000 } from './migrations/1764200000000-catalogue-sync';
import { StockPush1764300000000 } from './migrations/1764300000000-stock-push';
import { CataloguePublish1764310000000 } from './migrations/1764310000000-catalogue-publish';
import { StockImportRetries1764320000000 } from './migrations/1764320000000-stock-import-retries';
import { Reconciliation1764330000000 } from './migrations/1764330000000-reconciliation';
import { BackofficeHolds1764340000000 } from './migrations/1764340000000-backoffice-holds';

/** The service's migrations (the backbone's own are added by the kit). Tables are used through SQL. */
export const CATALOGUE_ENTITIES = [];
export const CATALOGUE_MIGRATIONS = [
  CatalogueSync1764200000000,
  StockPush1764300000000,
  CataloguePublish1764310000000,
  StockImportRetries1764320000000,
  Reconciliation1764330000000,
  BackofficeHolds1764340000000,
];
