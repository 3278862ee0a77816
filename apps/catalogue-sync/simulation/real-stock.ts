import type { BackOffice } from '@seller-bridge/backoffice-sandbox';
import type { OrderEvent } from '@seller-bridge/mirakl-sandbox';

/**
 * The Mirakl sandbox's `realStock` source, read in process: the units of a SKU that can really still be sold
 * at the moment of a sale. That is the back office's available stock (every warehouse) less the units of
 * marketplace lines already bought and not yet in the ERP (placed and not refused, cancelled or posted): the
 * back office does not know those yet, but they are gone. A sale above this figure is flagged
 * `beyondRealStock` by the sandbox; an *accepted* line flagged so would be an oversell seen from the
 * marketplace side (the cross-check of the back office's own `oversold_lines`).
 */
export class RealStock {
  private readonly held = new Map<string, number>();
  private readonly lines = new Map<string, { sku: string; quantity: number }>();

  constructor(private readonly backOffice: () => BackOffice) {}

  readonly source = (sku: string): number | undefined => {
    const bo = this.backOffice();
    if (!bo.catalogue.get(sku)) return undefined;
    let available = 0;
    for (const site of bo.warehouseSites) {
      const level = bo.stock.get(sku, site.code);
      if (level) available += level.onHand - level.allocated;
    }
    return available - (this.held.get(sku) ?? 0);
  };

  /** The Mirakl order book's events: a new order holds its lines; refused or cancelled lines let go. */
  readonly onOrderEvent = (e: OrderEvent): void => {
    if (e.kind === 'cancelation') {
      for (const c of e.cancelations) this.letGo(`${e.marketplace}/${c.order_line_id}`, c.quantity);
      return;
    }
    if (e.kind !== 'state') return;
    const lines = (e.order.order_lines ?? []) as {
      order_line_id: string;
      order_line_state: string;
      offer_sku: string;
      quantity: number;
    }[];
    for (const l of lines) {
      const key = `${e.marketplace}/${l.order_line_id}`;
      if (e.to === 'STAGING' && e.from === '') {
        this.lines.set(key, { sku: l.offer_sku, quantity: l.quantity });
        this.held.set(l.offer_sku, (this.held.get(l.offer_sku) ?? 0) + l.quantity);
      } else if (l.order_line_state === 'REFUSED' || l.order_line_state === 'CANCELED') {
        this.letGo(key, Infinity);
      }
    }
  };

  /** The line is in the ERP now: the back office's own figures count it from here on. */
  posted(marketplace: string, orderLineId: string): void {
    this.letGo(`${marketplace}/${orderLineId}`, Infinity);
  }

  private letGo(key: string, quantity: number): void {
    const line = this.lines.get(key);
    if (!line) return;
    const back = Math.min(quantity, line.quantity);
    line.quantity -= back;
    if (line.quantity === 0) this.lines.delete(key);
    this.held.set(line.sku, (this.held.get(line.sku) ?? 0) - back);
  }
}
