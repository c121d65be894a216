/**
 * A ClickHouse cluster of N shards on loopback, each a Debian `clickhouse-server` (18.16) with
 * its own config, ports and data directory under a temp dir, and a cluster named `nrb` in every
 * server's remote_servers (so a Distributed table works from any of them). Removed on stop.
 *
 *   const ch = await startClickHouse(2);   // ch.urls[i] is shard i's HTTP interface
 *   ...
 *   await ch.stop();
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnService, stopProcess, waitFor, onExit, type Service } from './ports.js';

export interface ClickHouseCluster {
  urls: string[];
  cluster: string;
  dir: string;
  /** Process ids of the servers (benchmarks read their CPU time). */
  pids: number[];
  /** Stop one shard (to test a shard that is down). */
  stopShard(i: number): Promise<void>;
  stop(): Promise<void>;
}

export const clickhouseAvailable = (): boolean => ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'].some((p) => fs.existsSync(p));

export async function startClickHouse(shards = 2): Promise<ClickHouseCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netrunbook-clickhouse-'));
  const ports = [];
  for (let i = 0; i < shards; i++) ports.push({ http: await freePort(), tcp: await freePort(), inter: await freePort() });
  const remote = ports.map((p) => `<shard><replica><host>127.0.0.1</host><port>${p.tcp}</port></replica></shard>`).join('');
  fs.writeFileSync(
    path.join(dir, 'users.xml'),
    `<?xml version="1.0"?><yandex><profiles><default><insert_distributed_sync>1</insert_distributed_sync><connect_timeout_with_failover_ms>200</connect_timeout_with_failover_ms></default></profiles>` +
      `<users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>`,
  );
  const services: Service[] = [];
  for (let i = 0; i < shards; i++) {
    const p = ports[i] as { http: number; tcp: number; inter: number };
    const s = path.join(dir, `s${i}`);
    for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) fs.mkdirSync(path.join(s, sub), { recursive: true });
    fs.writeFileSync(
      path.join(s, 'config.xml'),
      `<?xml version="1.0"?><yandex><logger><level>warning</level><log>${s}/server.log</log><errorlog>${s}/error.log</errorlog></logger>` +
        `<http_port>${p.http}</http_port><tcp_port>${p.tcp}</tcp_port><interserver_http_port>${p.inter}</interserver_http_port><listen_host>127.0.0.1</listen_host>` +
        `<path>${s}/data/</path><tmp_path>${s}/tmp/</tmp_path><user_files_path>${s}/user_files/</user_files_path><format_schema_path>${s}/format_schemas/</format_schema_path>` +
        `<users_config>${dir}/users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database><mark_cache_size>5368709</mark_cache_size>` +
        `<remote_servers><nrb>${remote}</nrb></remote_servers></yandex>`,
    );
    services.push(spawnService('clickhouse-server', [`--config-file=${s}/config.xml`]));
  }
  const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  onExit(cleanup);
  for (const [i, u] of urls.entries())
    await waitFor(
      async () => {
        try {
          return (await fetch(`${u}/?query=SELECT%201`)).ok;
        } catch {
          return false;
        }
      },
      30000,
      `clickhouse shard ${i} on ${u}`,
      () => (services[i] as Service).output() + (fs.existsSync(path.join(dir, `s${i}`, 'error.log')) ? fs.readFileSync(path.join(dir, `s${i}`, 'error.log'), 'utf8').slice(-2000) : ''),
    );
  return {
    urls,
    cluster: 'nrb',
    dir,
    pids: services.map((s) => s.child.pid ?? 0),
    stopShard: (i) => stopProcess((services[i] as Service).child),
    async stop() {
      for (const s of services) await stopProcess(s.child);
      cleanup();
    },
  };
}
