import { describe, expect, it } from 'vitest';
import { redisKeys } from '../../../src/redis/keys.js';

describe('redisKeys', () => {
  it('names every key under the prefix', () => {
    const keys = redisKeys('opsdeck');
    expect(keys.prefix).toBe('opsdeck');
    expect(keys.bullPrefix('ping')).toBe('opsdeck:q');
    expect(keys.schedules.revisions).toBe('opsdeck:schedules:revisions');
    expect(keys.seen('event', 'Ev0123')).toBe('opsdeck:seen:event:Ev0123');
    expect(keys.usergroupMembers('S0DEVS')).toBe('opsdeck:usergroup:S0DEVS');
    expect(keys.heartbeat).toBe('opsdeck:heartbeat');
    expect(keys.workspace).toBe('opsdeck:workspace');
    expect(keys.audit).toMatchObject({
      stream: 'opsdeck:audit',
      head: 'opsdeck:audit:head',
      checkpoint: 'opsdeck:audit:checkpoint',
    });
    expect(keys.audit.refusals('U0CAROL')).toBe('opsdeck:audit:refusals:U0CAROL');
    expect(keys.capability('deploys', 'lock', 'api')).toBe('opsdeck:deploys:lock:api');
  });

  it('gives each group its own Redis Cluster hash tag when asked: a capability, the audit log, each queue', () => {
    const keys = redisKeys('opsdeck', { hashTag: true });
    expect(keys.bullPrefix('ping')).toBe('{opsdeck:q:ping}');
    expect(keys.bullPrefix('slack-outbox')).toBe('{opsdeck:q:slack-outbox}');
    expect(keys.jobs.enqueued('ping', 'j1')).toBe('{opsdeck:q:ping}:enqueued:j1');
    expect(keys.audit).toMatchObject({
      stream: '{opsdeck:audit}',
      head: '{opsdeck:audit}:head',
      checkpoint: '{opsdeck:audit}:checkpoint',
    });
    expect(keys.seen('command', '1.2.x')).toBe('{opsdeck:seen}:command:1.2.x');
    expect(keys.capability('deploys', 'lock', 'api')).toBe('{opsdeck:deploys}:lock:api');
    expect(keys.capability('deploys', 'a:b')).toBe('{opsdeck:deploys}:a%3Ab');
  });

  it('escapes ":" inside a part, so different parts never build the same key', () => {
    const keys = redisKeys('opsdeck');
    expect(keys.seen('event', 'a:b')).not.toBe(keys.seen('event:a', 'b'));
    expect(keys.seen('event', 'a:b')).toBe('opsdeck:seen:event:a%3Ab');
    expect(keys.seen('event', 'a%3Ab')).toBe('opsdeck:seen:event:a%253Ab');
  });
});
