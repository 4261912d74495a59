// tsc only emits .js from .ts; the local workspace's page (plain HTML/CSS/JS served as-is) is copied beside it.
import { cpSync, existsSync } from 'node:fs';

const pageSrc = 'src/workspace/page/assets';
if (existsSync(pageSrc)) cpSync(pageSrc, 'dist/workspace/page/assets', { recursive: true });
