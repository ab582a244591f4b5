import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A nats-server of the test's own (Debian's, with JetStream) on a free loopback port,
 * for tests that restart NATS or configure its authentication: the machine's own
 * server on 4222 is left alone. Importing this module puts a test file in the
 * integration:nats lane (vitest.config.ts).
 */

export const NATS_SERVER_BIN =
  process.env.LOGWARDEN_TEST_NATS_SERVER ??
  (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

export interface TestNatsServerOptions {
  /** Extra arguments, e.g. ['--user', 'u', '--pass', 'p'] or ['--auth', 'token']. */
  args?: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Servers not yet stopped: killed when the process exits, so a test file whose afterAll
 * never ran (a failed beforeAll, a process.exit) leaves no nats-server or store behind.
 * A worker killed by a signal cannot run this; Ctrl-C reaches the servers too (same
 * process group).
 */
const live = new Set<TestNatsServer>();
process.once('exit', () => {
  for (const server of live) server.killNow();
});

export class TestNatsServer {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly args: string[],
  ) {}

  /** Starts a server with JetStream in a fresh store directory. */
  static async start(options: TestNatsServerOptions = {}): Promise<TestNatsServer> {
    const storeDir = mkdtempSync(join(tmpdir(), 'lw-nats-'));
    const server = new TestNatsServer(await freePort(), storeDir, options.args ?? []);
    live.add(server);
    try {
      await server.run();
    } catch (err) {
      await server.destroy();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Stops the server (SIGTERM: JetStream flushes its store), keeping the store. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Freezes the process (SIGSTOP): connections stay open and nothing answers. */
  /**
   * Freezes the server without dropping its connections. Resolves once every thread has
   * stopped: kill() only queues SIGSTOP, and a thread still running could answer one
   * more request (seen under load: a publish acked after pause()).
   */
  async pause(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.child!.kill('SIGSTOP');
    const deadline = Date.now() + 10_000;
    while (!allThreadsStopped(pid)) {
      if (Date.now() > deadline) throw new Error(`nats-server ${pid} did not stop`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Starts it again on the same port with the same store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  /** Stops it and removes its store. */
  async destroy(): Promise<void> {
    await this.stop();
    live.delete(this);
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** At process exit: nothing asynchronous runs any more, so no SIGTERM and wait. */
  killNow(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private run(): Promise<void> {
    this.output = '';
    const child = spawn(
      NATS_SERVER_BIN,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`nats-server did not become ready in 15 s:\n${this.output}`));
        child.kill('SIGKILL');
      }, 15_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.child = null;
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString('utf8');
        if (this.output.length > 20_000) this.output = this.output.slice(-20_000);
        if (this.output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err) =>
        fail(new Error(`cannot start ${NATS_SERVER_BIN}: ${err.message}`)),
      );
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.child = null;
          fail(new Error(`nats-server exited (${code ?? signal}):\n${this.output}`));
        }
      });
    });
  }
}

/** Every thread of the process is stopped (`T` in /proc/<pid>/task/<tid>/stat). */
function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  });
}
