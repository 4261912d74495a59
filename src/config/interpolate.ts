/** A problem found while walking the ops.yml tree, before it is formatted as `path: message`. */
export interface PathProblem {
  path: Array<string | number>;
  message: string;
}

export interface InterpolationResult {
  /** A copy of the input with every `${VAR}` replaced (unresolved references are left as written). */
  value: unknown;
  problems: PathProblem[];
  /** The values taken from the environment: they must never be quoted in a problem. */
  substituted: string[];
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/**
 * Replaces `${VAR}` in every string value of a parsed YAML tree with `env[VAR]` (mapping keys are left alone), so that
 * secrets stay out of ops.yml. `$${` is a literal `${`. A variable that is unset or empty is a problem naming the path
 * and the variable — never its value; so is a `${` that does not form a reference.
 */
export function interpolateEnv(tree: unknown, env: Record<string, string | undefined>): InterpolationResult {
  const problems: PathProblem[] = [];
  const substituted = new Set<string>();

  const walk = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const out = node.replace(REFERENCE, (match, name: string | undefined) => {
        if (match === '$${') return '${';
        if (name === undefined) {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows ops.yml's syntax, not a template.
          problems.push({ path, message: 'invalid ${…} reference (expected ${NAME}; write $${ for a literal "${")' });
          return match;
        }
        const value = env[name];
        if (value === undefined || value === '') {
          problems.push({
            path,
            message: `environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}`,
          });
          return match;
        }
        substituted.add(value);
        return value;
      });
      return out;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        // defineProperty, not assignment: a `__proto__` key in ops.yml must stay a key (and be rejected as unknown).
        Object.defineProperty(out, key, {
          value: walk(value, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };

  return { value: walk(tree, []), problems, substituted: [...substituted] };
}
