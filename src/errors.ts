import { randomBytes } from 'node:crypto';
import { isMrkdwn, type Mrkdwn, md, plain, plainOf } from './platform/mrkdwn.js';

/**
 * Coded errors, in the manner of bolt-js's `src/errors.ts`: the `code` drives what the edges do with them (a listener
 * turns them into an ephemeral message, a processor fails or retries the job). Messages are safe to show a user.
 */
export enum ErrorCode {
  UsageError = 'opsdeck_usage_error',
  PermissionDenied = 'opsdeck_permission_denied',
  Refused = 'opsdeck_refused',
  RedisPolicy = 'opsdeck_redis_policy',
  SlackApi = 'opsdeck_slack_api_error',
  NoMessage = 'opsdeck_outbox_no_message',
}

export interface CodedError extends Error {
  code: ErrorCode;
}

/** The user typed something the grammar does not accept; `usage` is shown with the message. */
export class UsageError extends Error implements CodedError {
  readonly code = ErrorCode.UsageError;
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The user lacks the role an action needs. */
export class PermissionDenied extends Error implements CodedError {
  readonly code = ErrorCode.PermissionDenied;
  /** The message as Slack shows it. */
  readonly markdown: Mrkdwn;
  constructor(readonly role: string) {
    const markdown = md`You need the *${role}* role for that.`;
    super(markdown.text);
    this.markdown = markdown;
    this.name = 'PermissionDenied';
  }
}

/**
 * A rule said no (a freeze, a lock, another deploy running): the message says why and is shown to the user as is. The
 * router maps it and audits it as `denied`, so capabilities throw it rather than answer refusals themselves.
 */
export class Refused extends Error implements CodedError {
  readonly code = ErrorCode.Refused;
  /** The message as Slack shows it: built with `md`, or a string shown as plain text (escaped). */
  readonly markdown: Mrkdwn;
  constructor(
    message: Mrkdwn | string,
    /** The audit entry's detail (plain text); defaults to the message. */
    readonly auditDetail: string = isMrkdwn(message) ? plainOf(message.text) : message,
  ) {
    const markdown = isMrkdwn(message) ? message : plain(message);
    super(markdown.text);
    this.markdown = markdown;
    this.name = 'Refused';
  }
}

/** Redis is configured so that it may evict Opsdeck's jobs or state. */
export class RedisPolicyError extends Error implements CodedError {
  readonly code = ErrorCode.RedisPolicy;
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}"; Opsdeck needs "noeviction" so that jobs, approvals and the audit log are ` +
        'never evicted. Set `maxmemory-policy noeviction` in redis.conf (or CONFIG SET maxmemory-policy noeviction).',
    );
    this.name = 'RedisPolicyError';
  }
}

/**
 * Slack answered a Web API call or a response_url with an error. `temporary` (a 429, 5xx, timeout or refused
 * connection that outlasted the short retries) may succeed later; otherwise retrying will not fix it.
 */
export class SlackApiError extends Error implements CodedError {
  readonly code = ErrorCode.SlackApi;
  constructor(
    readonly method: string,
    readonly slackError: string,
    readonly temporary = false,
  ) {
    super(`Slack ${method} failed: ${slackError}`);
    this.name = 'SlackApiError';
  }
}

/**
 * The outbox holds no message under `key` (nothing was posted under it yet, or it expired), so there is nothing to
 * edit. Callers that may run before the post was stored catch it by its code and post instead.
 */
export class NoMessageError extends Error implements CodedError {
  readonly code = ErrorCode.NoMessage;
  constructor(readonly key: string) {
    super(`outbox: no message was posted under key ${key}`);
    this.name = 'NoMessageError';
  }
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as Partial<CodedError>).code === 'string';
}

/** Whether `error` is the coded error `code`: what callers branch on, never an error's message text. */
export function hasCode(error: unknown, code: ErrorCode): error is CodedError {
  return isCodedError(error) && error.code === code;
}

/** A short id for one failure, quoted to the user (or HTTP caller) and logged: `E-7F3A9C`. */
export function referenceId(): string {
  return `E-${randomBytes(3).toString('hex').toUpperCase()}`;
}
