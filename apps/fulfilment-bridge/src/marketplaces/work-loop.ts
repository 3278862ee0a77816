import type { BackboneLogger } from '@seller-bridge/service-kit';

/**
 * Runs `step` again and again while it finds work, and every `idleMs` when it does not, until stopped.
 * A failing step is logged and tried again after the idle pause: one bad row never stops the loop.
 */
export class WorkLoop {
  private running = false;
  private done?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<number>,
    private readonly idleMs: number,
    private readonly logger: BackboneLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let found = 0;
      try {
        found = await this.step();
      } catch (err) {
        this.logger.error({ loop: this.name, err: (err as Error)?.message }, 'work loop step failed');
      }
      if (found === 0 && this.running)
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.idleMs);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
    }
  }
}
