/** What a provider is asked to deploy. */
export interface DeployTarget {
  service: string;
  version: string;
  environment: string;
  /** Who asked (a Slack user id), for `{user}`. */
  user: string;
}

export interface ProviderRun {
  target: DeployTarget;
  /** Aborted by Cancel (and by the deploy's timeout): the provider stops what it started. */
  signal: AbortSignal;
  /** The platform's clock (signature timestamps, "runs created since"). */
  now(): Date;
  /** Output as it arrives (a command's stdout and stderr), for the message's thread. */
  onOutput(text: string): void;
  /** A link to follow the deploy (a GitHub run), as soon as it is known. */
  onLink?(url: string): void;
}

export interface ProviderResult {
  ok: boolean;
  /** One line for the message: `exit code 0`, `timed out after 10m`, `cancelled`. */
  detail: string;
  /** When the deployed commit was made (ms), when the provider reports it (GitHub's run's head commit). */
  committedAt?: number;
}

/** A way to run a deploy (ops.yml `deploy.provider`): the job runs whichever the service names, the same way. */
export interface DeployProviderRunner {
  run(run: ProviderRun): Promise<ProviderResult>;
}
