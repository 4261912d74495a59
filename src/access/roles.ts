/**
 * Pure role rules. A role's members are Slack user ids (U…/W…), user-group ids (S…) or "*" (everyone). A role that
 * ops.yml does not define has no members: an action guarded by it is refused, never silently open.
 */
export type RoleTable = Record<string, readonly string[]>;

export function isGroupId(member: string): boolean {
  return member.startsWith('S');
}

/** The user-group ids a role refers to (to be expanded with usergroups.users.list). */
export function groupsOfRole(roles: RoleTable, role: string): string[] {
  return (roles[role] ?? []).filter(isGroupId);
}

/**
 * Whether `userId` holds `role`, given the members of the groups the role names.
 * @param groupMembers members of each group in `groupsOfRole(roles, role)`; a group missing here counts as empty.
 */
export function holdsRole(
  roles: RoleTable,
  role: string,
  userId: string,
  groupMembers: Readonly<Record<string, readonly string[]>>,
): boolean {
  const members = roles[role];
  if (!members) return false;
  for (const member of members) {
    if (member === '*' || member === userId) return true;
    if (isGroupId(member) && groupMembers[member]?.includes(userId)) return true;
  }
  return false;
}
