import { connect } from 'node:net';
import type { TcpCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';

/** Connects to host:port and closes the connection at once. */
export function runTcpCheck(check: TcpCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: check.host, port: check.port, signal });
    socket.once('connect', () => {
      const latencyMs = Math.round(performance.now() - started);
      socket.destroy();
      resolve({ ok: true, summary: `connected in ${latencyMs} ms`, latencyMs, detail: { type: 'tcp' } });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new Error(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)));
    });
  });
}
