import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `openssl` is on PATH: throwaway certificates are made with it at test time, none is committed. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Certificates {
  dir: string;
  /** The private CA's certificate (PEM file), for `caFile`. */
  caFile: string;
  /** Signed by the CA for `localhost` only, valid 30 days. */
  leafForLocalhost: { key: string; cert: string };
  /** Signed by the CA for 127.0.0.1, valid 30 days. */
  leaf: { key: string; cert: string };
  /** Self-signed for 127.0.0.1, valid 5 days. */
  selfSigned: { key: string; cert: string };
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A private CA, two certificates it signed and a self-signed one, in a temporary directory. */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Opsdeck test CA');
  const leaf = (name: string, altNames: string) => {
    openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(at(`${name}.ext`), `subjectAltName=${altNames}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
    );
    return { key: readFileSync(at(`${name}.key`), 'utf8'), cert: readFileSync(at(`${name}.pem`), 'utf8') };
  };
  const leafIp = leaf('ip', 'IP:127.0.0.1');
  const leafHost = leaf('host', 'DNS:localhost');
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '5',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  return {
    dir,
    caFile: at('ca.pem'),
    leaf: leafIp,
    leafForLocalhost: leafHost,
    selfSigned: { key: readFileSync(at('self.key'), 'utf8'), cert: readFileSync(at('self.pem'), 'utf8') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A local HTTPS server answering 200 `{"status":"ok"}` with the given certificate. */
export async function startHttpsTarget(tls: {
  key: string;
  cert: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(tls, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
