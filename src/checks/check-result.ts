/**
 * What one run of a check found. Every kind reports `ok`, a one-line `summary` for chat and its `latencyMs`; `detail`
 * holds what is particular to the kind (the HTTP status, a command's output tail, an SLO's budget).
 */
export interface CheckResult {
  ok: boolean;
  /** One line, plain text: `200 in 12 ms`, `connection refused`, `timed out after 2s`. */
  summary: string;
  latencyMs: number;
  /** The target did not answer (refused, timed out, unreachable): what a circuit breaker counts. */
  unreachable?: boolean;
  detail: CheckDetail;
}

export type CheckDetail =
  | {
      type: 'http';
      status?: number;
      /** https: whole days until the server's certificate expires (negative once expired). */
      certDaysLeft?: number;
    }
  | { type: 'tcp' }
  | { type: 'redis'; reply?: string }
  | { type: 'command'; exitCode?: number | null; signal?: string | null; outputTail: string }
  | { type: 'prometheus'; values: number[] }
  | {
      type: 'slo';
      /** Fractions (0.9991), absent when Prometheus had no data for the window. */
      attainment?: number;
      budgetRemaining?: number;
      burnRate1h?: number;
      burnRate6h?: number;
    };
