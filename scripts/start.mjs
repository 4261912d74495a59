// `npm start`: builds only when src/ changed since the last build, then runs the local entry point in this same
// process (no child: Ctrl+C reaches Opsdeck from the terminal and from npm only, and lifecycle.ts treats those two
// copies as one). With no SLACK_* variable the local workspace starts; otherwise it is production (src/main.ts).
import { build, isBuildFresh } from './build.mjs';

if (!isBuildFresh()) {
  process.stderr.write('Building Opsdeck (src/ changed since the last build)…\n');
  try {
    build();
  } catch (error) {
    process.stderr.write(`opsdeck: cannot start\n  ${error.message}\n`);
    process.exit(1);
  }
}
await import('../dist/workspace/local/main.js');
