import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Check, CheckSchema } from '../../../src/checks/check-kinds.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { type Certificates, hasOpenssl, makeCertificates, startHttpsTarget } from '../../support/tls.js';

/** https checks against local HTTPS servers with throwaway certificates made by openssl at test time. */

const check = (input: Record<string, unknown>): Check => CheckSchema.parse({ type: 'http', ...input });

let certs: Certificates;
const servers: Array<{ close(): Promise<void> }> = [];
let selfSigned: string;
let signed: string;
let otherHost: string;

beforeAll(async () => {
  // .ci/run installs openssl when missing: without it these tests fail here, saying why, rather than pass unrun.
  if (!hasOpenssl()) throw new Error('openssl is not on PATH: the https check tests make their certificates with it');
  certs = makeCertificates();
  const start = async (tls: { key: string; cert: string }) => {
    const server = await startHttpsTarget(tls);
    servers.push(server);
    return server.url;
  };
  selfSigned = await start(certs.selfSigned);
  signed = await start(certs.leaf);
  otherHost = await start(certs.leafForLocalhost);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  certs?.remove();
});

describe('https checks', () => {
  it('fail on a self-signed certificate, saying how to accept it, without counting as unreachable', async () => {
    const result = await runCheck(check({ url: `${selfSigned}/healthz` }));
    expect(result).toMatchObject({
      ok: false,
      summary: 'TLS: self-signed certificate (set caFile, or insecure: true)',
    });
    expect(result.unreachable).toBeUndefined();
  });

  it('accept any certificate with insecure: true, and still report its days left', async () => {
    const result = await runCheck(check({ url: `${selfSigned}/healthz`, insecure: true }));
    expect(result).toMatchObject({ ok: true, detail: { status: 200, certDaysLeft: 4 } });
  });

  it('fail when the certificate expires in fewer days than expect.certDaysLeft', async () => {
    const soon = await runCheck(check({ url: selfSigned, insecure: true, expect: { certDaysLeft: 14 } }));
    expect(soon).toMatchObject({ ok: false, summary: '200, certificate expires in 4 days (expected at least 14)' });
    const fine = await runCheck(check({ url: selfSigned, insecure: true, expect: { certDaysLeft: 3 } }));
    expect(fine.ok).toBe(true);
    expect(fine.summary).toMatch(/^200 in \d+ ms, certificate valid 4 more days$/);
  });

  it('verify against a private CA given as caFile', async () => {
    const unknown = await runCheck(check({ url: signed }));
    expect(unknown.summary).toBe('TLS: certificate signed by an unknown CA (set caFile, or insecure: true)');
    const result = await runCheck(check({ url: signed, caFile: certs.caFile, expect: { certDaysLeft: 14 } }));
    expect(result).toMatchObject({ ok: true, detail: { certDaysLeft: 29 } });
    // JSON checks work over https too.
    const json = await runCheck(
      check({ url: signed, caFile: certs.caFile, expect: { json: { path: '$.status', equals: 'ok' } } }),
    );
    expect(json.ok).toBe(true);
  });

  it('fail on a certificate for another host name', async () => {
    const result = await runCheck(check({ url: otherHost, caFile: certs.caFile }));
    expect(result).toMatchObject({ ok: false, summary: 'TLS: certificate is for another host name' });
  });

  it('fail clearly when the caFile cannot be read', async () => {
    const result = await runCheck(check({ url: signed, caFile: `${certs.dir}/missing.pem` }));
    expect(result).toMatchObject({ ok: false, summary: `caFile ${certs.dir}/missing.pem: ENOENT` });
  });
});
