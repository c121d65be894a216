/**
 * A real nginx (Debian nginx-light) origin on 127.0.0.1, config and logs in a temp dir:
 *
 *   const o = await startNginxOrigin();   // o.port; await o.stop();
 *
 * Routes as the edge.ts Node origin: /static.css (public, max-age=3600, Vary: Accept-Encoding),
 * /account (private, no-store + Set-Cookie), /page (HTML, no cache-control), /force-https (301 to
 * https://$http_host/force-https: behind a Flexible edge, a redirect loop).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, sh, spawnService, stopProcess, waitFor } from './ports.js';

export async function startNginxOrigin(): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-steps-nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name _;
    location = /static.css { add_header Cache-Control "public, max-age=3600"; add_header Vary "Accept-Encoding"; default_type text/css; return 200 "body{}\\n"; }
    location = /account { add_header Cache-Control "private, no-store"; add_header Set-Cookie "sid=abc123; Path=/; HttpOnly"; default_type text/html; return 200 "<p>account</p>\\n"; }
    location = /page { default_type text/html; return 200 "<p>page</p>\\n"; }
    location = /force-https { return 301 https://$http_host/force-https; }
  }
}
`,
  );
  sh('nginx', ['-t', '-q', '-p', dir, '-c', conf]);
  const svc = spawnService('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;']);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    10000,
    'nginx origin',
    svc.output,
  );
  return {
    port,
    async stop() {
      await stopProcess(svc.child, 'SIGQUIT');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
