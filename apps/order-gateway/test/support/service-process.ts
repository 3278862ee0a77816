import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@seller-bridge/service-kit/testing';

const APP = join(__dirname, '../..');

/** Compiles order-gateway (`dist/`), so the process tests run today's code. */
export function buildService(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: APP,
  });
}

/** order-gateway as deployed (`node dist/main.js`) on a free port, its stderr kept (tail) for diagnosis. */
export class ServiceProcess {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    env: Record<string, string>,
    readonly port: number,
  ) {
    this.child = spawn(process.execPath, ['dist/main.js'], {
      cwd: APP,
      env: { ...process.env, ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }

  static async start(env: Record<string, string>): Promise<ServiceProcess> {
    return new ServiceProcess(env, await freePort());
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
}
