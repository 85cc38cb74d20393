/**
 * A real three-master Redis Cluster on loopback for one spec file: started in its beforeAll,
 * stopped in its afterAll. Each server runs in a fresh temporary directory, on ports chosen free
 * (never the machine's own Redis on 6379), with no persistence.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const HOST = '127.0.0.1';
const MASTERS = 3;
/** A cluster node also listens on its port + 10000 for the cluster bus. */
const BUS_OFFSET = 10_000;
const READY_WITHIN_MS = 20_000;

export interface RedisClusterNode {
  host: string;
  port: number;
}

export interface RedisCluster {
  /** The masters, as ioredis `new Cluster(nodes)` takes them. */
  nodes: RedisClusterNode[];
  /** The same masters as `redis://127.0.0.1:P`, as node-redis `createCluster({ rootNodes })` takes them. */
  urls: string[];
  stop(): Promise<void>;
}

const BINARIES = ['redis-server', 'redis-cli'] as const;

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const required = process.env.REDIS_CLUSTER === 'required';

function missingBinaries(): string[] {
  return BINARIES.filter((binary) => !onPath(binary));
}

function missingMessage(missing: string[]): string {
  return (
    `${missing.join(' and ')} not found on PATH. A Redis Cluster needs redis-server and redis-cli ` +
    '(Debian/Ubuntu: apt-get install redis-server).'
  );
}

/**
 * True when the named suites cannot run here because redis-server or redis-cli is missing, after
 * saying so once. With REDIS_CLUSTER=required (as CI sets) it is always false, so the suites run
 * and startRedisCluster fails, naming what is missing.
 */
export function skipWithoutRedisCluster(suites: string): boolean {
  const missing = missingBinaries();
  if (missing.length === 0 || required) return false;
  console.log(`Skipping ${suites}: ${missingMessage(missing)} Set REDIS_CLUSTER=required to make this a failure.`);
  return true;
}

interface Server {
  child: ChildProcess;
  dir: string;
  port: number;
  log: string;
}

/** Every server started and not yet stopped, for the exit fallback. */
const live = new Set<Server>();

function killNow(server: Server): void {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  rmSync(server.dir, { recursive: true, force: true });
  live.delete(server);
}

// If afterAll never runs (a crashed worker, an interrupted run), the servers must still go.
process.once('exit', () => {
  for (const server of live) killNow(server);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const server of live) killNow(server);
    // This listener is gone now, so the signal does what it would have done without it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A port in 20000-29999 whose bus port is free too; never 6379, never one already taken here. */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + BUS_OFFSET))) return port;
  }
  throw new Error('no free pair of loopback ports (P and P+10000) found in 20000-29999');
}

function logTail(server: Server, lines = 15): string {
  let text = '';
  try {
    text = readFileSync(server.log, 'utf8');
  } catch {
    // No log yet: the server never got as far as opening it.
  }
  return `--- redis-server :${server.port} (${server.log}) ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer(port: number): Server {
  const dir = mkdtempSync(join(tmpdir(), `idwise-redis-cluster-${port}-`));
  const log = join(dir, 'redis.log');
  // A file, not a pipe, so nothing in this process has to keep reading the server's output.
  const out = openSync(log, 'a');
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--save',
      '',
      '--appendonly',
      'no',
      '--bind',
      HOST,
    ],
    { cwd: dir, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const server: Server = { child, dir, port, log };
  child.on('error', () => {});
  live.add(server);
  return server;
}

/** True once the server accepts connections; false if it exited first (its port was taken meanwhile) or time ran out. */
async function serverReady(server: Server, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return false;
    try {
      if (readFileSync(server.log, 'utf8').includes('Ready to accept connections')) return true;
    } catch {
      // Not written yet.
    }
    await sleep(20);
  }
  return false;
}

async function clusterStateOk(port: number): Promise<boolean> {
  try {
    const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), 'cluster', 'info'], { timeout: 2_000 });
    return stdout.includes('cluster_state:ok');
  } catch {
    return false;
  }
}

async function stop(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGKILL');
        await exited;
      }
      killNow(server);
    }),
  );
}

/** Starts three masters, joins them into one cluster and waits until every node says `cluster_state:ok`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const missing = missingBinaries();
  if (missing.length > 0) {
    const why = required ? ' REDIS_CLUSTER=required is set, so the suites fail instead of skipping.' : '';
    throw new Error(`Cannot start a Redis Cluster: ${missingMessage(missing)}${why}`);
  }

  const deadline = Date.now() + READY_WITHIN_MS;
  const servers: Server[] = [];
  try {
    const taken = new Set<number>();
    for (let failures = 0; servers.length < MASTERS;) {
      const port = await freePort(taken);
      taken.add(port);
      const server = startServer(port);
      if (await serverReady(server, deadline)) {
        servers.push(server);
        continue;
      }
      const tail = logTail(server);
      await stop([server]);
      // Another process may have taken the port between the check and the start: try another one.
      if (++failures === 3 || Date.now() >= deadline) {
        throw new Error(`redis-server --port ${port} did not become ready\n${tail}`);
      }
    }

    const addresses = servers.map((server) => `${HOST}:${server.port}`);
    try {
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
        timeout: Math.max(deadline - Date.now(), 1_000),
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `redis-cli --cluster create ${addresses.join(' ')} failed: ${(error as Error).message}\n` +
          `${stdout}${stderr}\n${servers.map((server) => logTail(server)).join('\n')}`,
        { cause: error },
      );
    }

    // A client may ask any node for the slot map, so every node must know the whole of it.
    while (!(await Promise.all(servers.map((server) => clusterStateOk(server.port)))).every(Boolean)) {
      if (Date.now() >= deadline) {
        throw new Error(
          `the Redis Cluster on ${addresses.join(', ')} did not reach cluster_state:ok within ${READY_WITHIN_MS} ms\n` +
            servers.map((server) => logTail(server)).join('\n'),
        );
      }
      await sleep(50);
    }
  } catch (error) {
    await stop(servers);
    throw error;
  }

  const nodes = servers.map((server) => ({ host: HOST, port: server.port }));
  let stopping: Promise<void> | undefined;
  return {
    nodes,
    urls: nodes.map(({ host, port }) => `redis://${host}:${port}`),
    stop: () => (stopping ??= stop(servers)),
  };
}
