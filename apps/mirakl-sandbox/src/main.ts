import { demoMarketplaces } from './marketplace';
import { MiraklSandbox } from './http/sandbox-server';

/** Runs the Mirakl sandbox with the demo marketplaces (see README: base URL per marketplace, admin token). */
async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 4100);
  const adminToken = process.env.SANDBOX_ADMIN_TOKEN;
  if (!adminToken) {
    process.stderr.write(
      'SANDBOX_ADMIN_TOKEN is required (the admin API moves the clock and injects faults)\n',
    );
    process.exit(1);
  }
  const sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken });
  const base = await sandbox.listen(port, '127.0.0.1');
  for (const mp of demoMarketplaces()) {
    process.stdout.write(
      `${JSON.stringify({ level: 'info', msg: 'marketplace ready', marketplace: mp.code, baseUrl: `${base}/mp/${mp.code}`, shopId: mp.shopId })}\n`,
    );
  }
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
