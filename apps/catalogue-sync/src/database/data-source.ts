import { CatalogueSync1764200000000 } from './migrations/1764200000000-catalogue-sync';

/** The service's migrations (the backbone's own are added by the kit). Tables are used through SQL. */
export const CATALOGUE_ENTITIES = [];
export const CATALOGUE_MIGRATIONS = [CatalogueSync1764200000000];
