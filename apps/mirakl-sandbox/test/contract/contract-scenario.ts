import { MiraklApiError, MiraklClient } from '@seller-bridge/mirakl-client';
import { demoMarketplaces, type MarketplaceSettings } from '../../src/marketplace';
import { MiraklSandbox } from '../../src/http/sandbox-server';
import type { OrderInput } from '../../src/orders/order-book';
import { RecordingProxy } from './recording-proxy';

/**
 * One row of the contract table: an operation the client implements, and a scenario that drives it with the
 * real client through the recording proxy against the sandbox (happy paths and Mirakl's refusals). Every
 * exchange the scenario causes, of any operation, is then checked against Mirakl's description.
 */
export interface ContractScenario {
  /** Mirakl's operation code, as the description's operationId (OR11, OF24…). */
  operation: string;
  /** What the scenario covers, for the test name. */
  covers: string;
  run(ctx: ContractContext): Promise<void>;
}

/** Declares a row (a typed identity: rows are plain objects in arrays, so files can export their own). */
export const contractScenario = (s: ContractScenario): ContractScenario => s;

/** A fresh sandbox, a proxy in front of it, and clients that call through the proxy. */
export class ContractContext {
  readonly marketplaces: MarketplaceSettings[] = demoMarketplaces();
  /** Operation codes in the order the client reported them (its `observe` hook). */
  readonly observed: { operation: string; status: number }[] = [];
  readonly sandbox = new MiraklSandbox({
    marketplaces: this.marketplaces,
    adminToken: 'contract-admin-token',
    random: () => 1, // no faults: the contract is about well-formed exchanges
  });
  proxy!: RecordingProxy;
  private proxyBase = '';

  async start(): Promise<void> {
    this.proxy = new RecordingProxy(await this.sandbox.listen());
    this.proxyBase = await this.proxy.listen();
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await this.sandbox.close();
  }

  /** The marketplace by code; the first demo marketplace (partial acceptance and free carrier names on). */
  marketplace(code = this.marketplaces[0].code): MarketplaceSettings {
    const mp = this.marketplaces.find((m) => m.code === code);
    if (!mp) throw new Error(`no demo marketplace ${code}`);
    return mp;
  }

  /** A client of one marketplace, through the proxy, with its shop id (so `shop_id` is on every call). */
  client(mp = this.marketplace()): MiraklClient {
    return new MiraklClient(
      {
        marketplace: mp.code,
        baseUrl: `${this.proxyBase}/mp/${mp.code}`,
        apiKey: mp.apiKey,
        shopId: mp.shopId,
      },
      {
        unlimited: true,
        retryBaseMs: 5,
        retryMaxMs: 20,
        observe: (call) => this.observed.push({ operation: call.operation, status: call.status }),
      },
    );
  }

  /** Seeds an order (admin side, not a client call): it waits for acceptance. */
  place(mp = this.marketplace(), input: Partial<OrderInput> = {}): string {
    return this.sandbox.orders.place(mp.code, {
      customerId: 'C-1',
      lines: [{ offerSku: 'SKU-1', quantity: 1, unitPrice: 19.99 }],
      ...input,
    });
  }

  /** Seeds an order, accepts it with the client and lets the debit happen: it is in SHIPPING. */
  async inShipping(mp = this.marketplace(), input: Partial<OrderInput> = {}): Promise<string> {
    const id = this.place(mp, input);
    const lines = this.sandbox.orders.get(mp.code, id)!.order.order_lines;
    await this.client(mp).acceptOrder(
      id,
      lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    this.sandbox.clock.advance(mp.debitMs);
    return id;
  }

  /** The Mirakl refusal a call ends in (fails the scenario if it succeeded or failed otherwise). */
  async refusal(call: Promise<unknown>): Promise<MiraklApiError> {
    const outcome = await call.then(
      (ok) => new Error(`expected Mirakl to refuse the call, it answered ${JSON.stringify(ok)}`),
      (err: unknown) => err,
    );
    if (outcome instanceof MiraklApiError) return outcome;
    throw outcome;
  }
}

/** Every item of an async iterable (the client's paged lists). */
export async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
