import type { Customer, CustomerInput } from './customer';

const key = (marketplace: string, id: string) => `${marketplace}\u0000${id}`;

/** Customer accounts, one per marketplace customer: creating the same one twice gives the first back. */
export class CustomerBook {
  private readonly byId = new Map<string, Customer>();
  private readonly byMarketplaceId = new Map<string, Customer>();

  get(id: string): Customer | undefined {
    return this.byId.get(id);
  }

  find(marketplace: string, marketplaceCustomerId: string): Customer | undefined {
    return this.byMarketplaceId.get(key(marketplace, marketplaceCustomerId));
  }

  /** The existing account for this marketplace customer, or a new one (`created` tells which). */
  create(input: CustomerInput, now: number): { customer: Customer; created: boolean } {
    const existing = this.find(input.marketplace, input.marketplace_customer_id);
    if (existing) return { customer: existing, created: false };
    const customer: Customer = {
      id: `C${String(this.byId.size + 1).padStart(6, '0')}`,
      ...structuredClone(input),
      created_at: new Date(now).toISOString(),
    };
    this.byId.set(customer.id, customer);
    this.byMarketplaceId.set(key(input.marketplace, input.marketplace_customer_id), customer);
    return { customer, created: true };
  }

  clear(): void {
    this.byId.clear();
    this.byMarketplaceId.clear();
  }

  get size(): number {
    return this.byId.size;
  }
}
