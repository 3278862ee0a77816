/**
 * The back office's available stock per SKU (all warehouses), read over its API every few seconds: the
 * sandbox's `realStock` source over HTTP. A SKU the back office does not list is unknown (undefined), and
 * while the back office cannot be read the last figures are kept (and said once).
 */
export class BackofficeStockSource {
  private readonly figures = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly warn: (fields: Record<string, unknown>) => void,
  ) {}

  available(sku: string): number | undefined {
    return this.figures.get(sku);
  }

  start(everyMs: number): void {
    const tick = () => void this.refresh();
    tick();
    this.timer = setInterval(tick, Math.max(500, everyMs));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const res = await fetch(`${this.apiUrl.replace(/\/+$/, '')}/stock`, {
        headers: { 'x-api-key': this.apiKey },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { stock?: { sku: string; available: number }[] };
      const sums = new Map<string, number>();
      for (const s of body.stock ?? []) {
        if (typeof s?.sku !== 'string' || !Number.isInteger(s.available)) continue;
        sums.set(s.sku, (sums.get(s.sku) ?? 0) + s.available);
      }
      this.figures.clear();
      for (const [sku, n] of sums) this.figures.set(sku, n);
      if (this.failing) this.warn({ msg: 'real-stock source readable again', url: this.apiUrl });
      this.failing = false;
    } catch (err) {
      if (!this.failing)
        this.warn({
          msg: 'real-stock source unreadable; keeping the last figures',
          url: this.apiUrl,
          error: String(err),
        });
      this.failing = true;
    }
  }
}
