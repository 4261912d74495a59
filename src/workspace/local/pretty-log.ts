import type { DestinationStream } from 'pino';

/** pino's numeric levels, as a person reads them; padded to one width so messages line up. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '31' };
/** Fields every line carries; the rest are the line's own details. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'module', 'err', 'v']);

/**
 * One pino JSON line as a person reads it in a terminal (local mode only; production keeps JSON lines):
 * `14:02:07 INFO  bot.ops-command  command handled  command=ping ms=3`, an error's stack indented below.
 * A line that is not JSON passes through unchanged.
 */
export function formatLogLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${line}\n`;
  }
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const details = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const parts = [
    paint('90', time),
    paint(COLORS[level] ?? '0', LEVELS[level] ?? String(level)),
    ...(typeof entry.module === 'string' ? [paint('36', entry.module)] : []),
    String(entry.msg ?? ''),
    ...(details.length > 0 ? [paint('90', details.join(' '))] : []),
  ];
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  const stack = typeof err?.stack === 'string' ? err.stack : typeof err?.message === 'string' ? err.message : '';
  const below = stack ? `\n${stack.replace(/^/gm, '    ')}` : '';
  return `${parts.join('  ')}${below}\n`;
}

/** A pino destination that writes {@link formatLogLine}'s lines to `out` (coloured when `out` is a terminal). */
export function prettyLogStream(out: NodeJS.WriteStream): DestinationStream {
  const color = out.isTTY === true && out.hasColors();
  return { write: (chunk: string) => void out.write(formatLogLine(chunk.trimEnd(), color)) };
}
