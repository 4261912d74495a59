// `npm run ops-schema`: writes ops.schema.json from the composed zod schemas (test/unit/config/ops-schema.test.ts
// fails while the committed file is stale). Run: npx tsx scripts/ops-schema.ts
import { writeFileSync } from 'node:fs';
import { opsJsonSchema } from '../src/catalog.js';

writeFileSync('ops.schema.json', `${JSON.stringify(opsJsonSchema(), null, 2)}\n`);
