import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import type { SimulationOptions } from './simulation-options';
import type { SimulationWorld } from './simulation-world';

interface SalesOrderBody {
  external_reference: { marketplace: string; order_id: string };
  customer: { marketplace_customer_id: string };
  currency: string;
  prices_include_tax: boolean;
  lines: { sku: string; quantity: number; unit_price: string; tax_rate: string; warehouse: string }[];
}

const COUNTRY: Record<string, string> = { 'decathlon-fr': 'FR', 'carrefour-es': 'ES' };

/**
 * What fulfilment-bridge will do (decision 0008, step 5): orders that reached SHIPPING (debit done) are
 * posted to the ERP as sales orders, once (Idempotency-Key `<marketplace>:<order id>`, the same body on a
 * retry), with their accepted lines only; then catalogue-sync is told (`markPosted`, with the ERP's own
 * creation time). A line goes to the warehouses that hold its units (split over both when neither holds
 * them all), counting the units the back office holds for this order: catalogue-sync reserves against the sum
 * of the warehouses, and the ERP allocates per warehouse.
 */
export class FulfilmentRole {
  /** Sales order numbers this role created, by `<marketplace>:<order id>`. */
  readonly posted = new Map<string, string>();
  private readonly lastPollAt = new Map<string, number>();
  private readonly bodies = new Map<string, SalesOrderBody>();

  constructor(
    private readonly world: SimulationWorld,
    private readonly options: SimulationOptions,
  ) {}

  async run(marketplace: string): Promise<void> {
    const client = this.world.clients.get(marketplace)!;
    const startedAt = this.world.clock.now().getTime();
    const last = this.lastPollAt.get(marketplace);
    const ready: MiraklOrder[] = [];
    for await (const o of client.listOrders({
      orderStateCodes: ['SHIPPING'],
      ...(last === undefined
        ? {}
        : { startUpdateDate: new Date(last - this.options.pollOverlapMs).toISOString() }),
    }))
      if (!this.posted.has(`${marketplace}:${o.order_id}`)) ready.push(o);
    this.lastPollAt.set(marketplace, startedAt);
    for (const o of ready) await this.post(marketplace, o);
  }

  private async post(marketplace: string, o: MiraklOrder): Promise<void> {
    const key = `${marketplace}:${o.order_id}`;
    const lines = o.order_lines.filter((l) => l.order_line_state === 'SHIPPING');
    if (lines.length === 0) return;
    const customerId = o.customer?.customer_id ?? `anonymous-${o.order_id}`;
    await this.world.boCall('POST', '/customers', {
      marketplace,
      marketplace_customer_id: customerId,
      first_name: o.customer?.firstname || 'Customer',
      last_name: o.customer?.lastname || customerId,
      address: {
        line1: 'Address given by the marketplace',
        city: 'City',
        postcode: '00000',
        country: COUNTRY[marketplace] ?? 'FR',
      },
    });
    const body = this.bodies.get(key) ?? (await this.body(marketplace, o, customerId, lines));
    this.bodies.set(key, body); // a retry sends the same body under the same key
    const created = await this.world.boCall<{ number: string; created_at: string }>(
      'POST',
      '/sales-orders',
      body,
      { 'idempotency-key': key },
    );
    await this.world.tx((m) =>
      this.world.reservations.markPosted(
        m,
        marketplace,
        o.order_id,
        created.number,
        new Date(created.created_at),
      ),
    );
    for (const l of lines) this.world.realStock.posted(marketplace, l.order_line_id);
    this.posted.set(key, created.number);
    this.bodies.delete(key);
  }

  private async body(
    marketplace: string,
    o: MiraklOrder,
    customerId: string,
    lines: MiraklOrder['order_lines'],
  ): Promise<SalesOrderBody> {
    const skus = [...new Set(lines.map((l) => l.offer_sku))];
    const { stock } = await this.world.boCall<{
      stock: { sku: string; warehouse: string; available: number }[];
    }>('GET', `/stock?sku=${skus.map(encodeURIComponent).join(',')}`);
    const left = new Map(stock.map((s) => [`${s.sku}@${s.warehouse}`, Math.max(0, s.available)]));
    // The units held for this very order (decision 0008, "Holds") are its own: the sales order takes them over.
    const { holds } = await this.world.boCall<{
      holds: { sku: string; state: string; portions: { warehouse: string; quantity: number }[] }[];
    }>('GET', `/holds?external_reference=${encodeURIComponent(`${marketplace}:${o.order_id}`)}`);
    for (const h of holds.filter((x) => x.state === 'held'))
      for (const p of h.portions) {
        const k = `${h.sku}@${p.warehouse}`;
        left.set(k, (left.get(k) ?? 0) + p.quantity);
      }
    const out: SalesOrderBody['lines'] = [];
    for (const l of lines) {
      const sites = stock
        .filter((s) => s.sku === l.offer_sku)
        .sort((a, b) => left.get(`${b.sku}@${b.warehouse}`)! - left.get(`${a.sku}@${a.warehouse}`)!);
      let wanted = l.quantity;
      const unitPrice = (l.price_unit ?? l.price / l.quantity).toFixed(2);
      for (const s of sites) {
        const k = `${s.sku}@${s.warehouse}`;
        const take = Math.min(wanted, left.get(k)!);
        if (take === 0) continue;
        left.set(k, left.get(k)! - take);
        wanted -= take;
        out.push({
          sku: l.offer_sku,
          quantity: take,
          unit_price: unitPrice,
          tax_rate: '20.00',
          warehouse: s.warehouse,
        });
      }
      // Units no warehouse holds any more: the ERP takes the line anyway, and its truth calls it oversold.
      if (wanted > 0)
        out.push({
          sku: l.offer_sku,
          quantity: wanted,
          unit_price: unitPrice,
          tax_rate: '20.00',
          warehouse: sites[0]?.warehouse ?? 'LYON-1',
        });
    }
    return {
      external_reference: { marketplace, order_id: o.order_id },
      customer: { marketplace_customer_id: customerId },
      currency: o.currency_iso_code,
      prices_include_tax: true,
      lines: out,
    };
  }
}
