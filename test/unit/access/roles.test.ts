import { describe, expect, it } from 'vitest';
import { groupsOfRole, holdsRole } from '../../../src/access/roles.js';

const roles = {
  responder: ['*'],
  deployer: ['S0DEVS', 'U0ALICE'],
  approver: ['S0LEADS', 'U0BOB'],
  admin: ['U0ADMIN'],
};
const groups = { S0DEVS: ['U0DAVE'], S0LEADS: ['U0LEAD'] };

describe('role rules', () => {
  it('grants roles to listed users, group members and everyone for "*"', () => {
    expect(holdsRole(roles, 'deployer', 'U0ALICE', groups)).toBe(true);
    expect(holdsRole(roles, 'deployer', 'U0DAVE', groups)).toBe(true);
    expect(holdsRole(roles, 'responder', 'U0ANYONE', groups)).toBe(true);
    expect(holdsRole(roles, 'approver', 'U0LEAD', groups)).toBe(true);
  });

  it('refuses everyone else, and everyone for a role ops.yml does not define', () => {
    expect(holdsRole(roles, 'admin', 'U0ALICE', groups)).toBe(false);
    expect(holdsRole(roles, 'approver', 'U0DAVE', groups)).toBe(false);
    expect(holdsRole(roles, 'deployer', 'U0DAVE', {})).toBe(false);
    expect(holdsRole(roles, 'owner', 'U0ADMIN', groups)).toBe(false);
  });

  it('matches every user x role pair against the policy exactly (S4)', () => {
    const users = ['U0ALICE', 'U0BOB', 'U0ADMIN', 'U0DAVE', 'U0LEAD', 'U0CAROL'];
    const expected: Record<string, string[]> = {
      U0ALICE: ['responder', 'deployer'],
      U0BOB: ['responder', 'approver'],
      U0ADMIN: ['responder', 'admin'],
      U0DAVE: ['responder', 'deployer'],
      U0LEAD: ['responder', 'approver'],
      U0CAROL: ['responder'],
    };
    for (const user of users) {
      const held = Object.keys(roles).filter((role) => holdsRole(roles, role, user, groups));
      expect(held, user).toEqual(expected[user]);
    }
  });

  it('lists the groups a role needs expanded', () => {
    expect(groupsOfRole(roles, 'deployer')).toEqual(['S0DEVS']);
    expect(groupsOfRole(roles, 'admin')).toEqual([]);
    expect(groupsOfRole(roles, 'missing')).toEqual([]);
  });
});
