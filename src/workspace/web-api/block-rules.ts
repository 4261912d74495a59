/**
 * Slack's Block Kit and message limits (slack-platform.md §5), as a pure module: data in, first violation out.
 * The fake Slack server uses it to answer `invalid_blocks` like slack.com does; Opsdeck's builders can use it in
 * tests to catch a payload Slack would refuse before it ever leaves the process.
 */

export type BlockSurface = 'message' | 'modal' | 'home';

/** First rule a payload breaks. `message` follows Slack's `response_metadata.messages` wording. */
export interface RuleViolation {
  /** Slack error code: `invalid_blocks`, `invalid_blocks_format`, `msg_too_long`, `invalid_arguments`, `view_too_large`. */
  error: string;
  /** JSON pointer to the offending value, as Slack reports it (`/blocks/0/text/text`). */
  pointer: string;
  message: string;
}

export const BLOCK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  blockIdLength: 255,
  actionIdLength: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionsElements: 25,
  contextElements: 10,
  selectOptions: 100,
  overflowOptions: 5,
  checkboxOptions: 10,
  optionText: 75,
  optionValue: 150,
  labelText: 2000,
  viewTitle: 24,
  viewButton: 24,
  callbackIdLength: 255,
  privateMetadataLength: 3000,
  viewBytes: 250 * 1024,
  /** Slack truncates above 40,000 characters and answers `msg_too_long`. */
  messageText: 40_000,
} as const;

const KNOWN_BLOCKS = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
  'call',
]);

/** Thrown inside this module only, so the walkers can stop at the first violation without threading results. */
class Violation extends Error {
  constructor(
    readonly code: string,
    readonly pointer: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function fail(pointer: string, detail: string, code = 'invalid_blocks'): never {
  throw new Violation(code, pointer, detail);
}

function run(check: () => void): RuleViolation | null {
  try {
    check();
    return null;
  } catch (err) {
    if (!(err instanceof Violation)) throw err;
    return { error: err.code, pointer: err.pointer, message: `${err.detail} [json-pointer:${err.pointer}]` };
  }
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maxLength(value: unknown, limit: number, pointer: string): void {
  if (typeof value === 'string' && value.length > limit) fail(pointer, `must be less than ${limit + 1} characters`);
}

/** A text object: `plain_text` or `mrkdwn`, non-empty, within `limit`. */
function textObject(value: unknown, pointer: string, limit: number, plainOnly = false): void {
  if (!isObj(value)) fail(pointer, 'must be a text object');
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(value.type as string)) fail(`${pointer}/type`, `must be one of ${allowed.join(', ')}`);
  if (typeof value.text !== 'string' || value.text.length === 0)
    fail(`${pointer}/text`, 'must be more than 0 characters');
  maxLength(value.text, limit, `${pointer}/text`);
}

function options(list: unknown, limit: number, pointer: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) fail(pointer, 'must be an array');
  if (list.length > limit) fail(pointer, `must provide no more than ${limit} items`);
  list.forEach((option, i) => {
    const at = `${pointer}/${i}`;
    if (!isObj(option)) fail(at, 'must be an option object');
    textObject(option.text, `${at}/text`, BLOCK_LIMITS.optionText);
    maxLength(option.value, BLOCK_LIMITS.optionValue, `${at}/value`);
  });
}

/** Interactive and display elements (accessories, actions/input elements, context images). */
function element(value: unknown, pointer: string): void {
  if (!isObj(value) || typeof value.type !== 'string') fail(pointer, 'must be an element object');
  maxLength(value.action_id, BLOCK_LIMITS.actionIdLength, `${pointer}/action_id`);
  switch (value.type) {
    case 'button':
      textObject(value.text, `${pointer}/text`, BLOCK_LIMITS.buttonText, true);
      maxLength(value.value, BLOCK_LIMITS.buttonValue, `${pointer}/value`);
      maxLength(value.url, BLOCK_LIMITS.buttonUrl, `${pointer}/url`);
      break;
    case 'static_select':
    case 'multi_static_select':
      options(value.options, BLOCK_LIMITS.selectOptions, `${pointer}/options`);
      options(value.option_groups, BLOCK_LIMITS.selectOptions, `${pointer}/option_groups`);
      break;
    case 'overflow':
      options(value.options, BLOCK_LIMITS.overflowOptions, `${pointer}/options`);
      break;
    case 'checkboxes':
    case 'radio_buttons':
      options(value.options, BLOCK_LIMITS.checkboxOptions, `${pointer}/options`);
      break;
    case 'image':
      if (typeof value.alt_text !== 'string' || value.alt_text.length === 0) {
        fail(`${pointer}/alt_text`, 'must be more than 0 characters');
      }
      break;
    default:
      break;
  }
}

function elementList(list: unknown, limit: number, pointer: string, check: (v: unknown, p: string) => void): unknown[] {
  if (!Array.isArray(list) || list.length === 0) fail(pointer, 'must provide at least 1 item');
  if (list.length > limit) fail(pointer, `must provide no more than ${limit} items`);
  list.forEach((item, i) => {
    check(item, `${pointer}/${i}`);
  });
  return list;
}

function contextElement(value: unknown, pointer: string): void {
  if (isObj(value) && value.type === 'image') element(value, pointer);
  else textObject(value, pointer, BLOCK_LIMITS.sectionText);
}

function block(value: Obj, pointer: string): void {
  switch (value.type) {
    case 'section': {
      if (value.text === undefined && value.fields === undefined) fail(pointer, 'must provide text or fields');
      if (value.text !== undefined) textObject(value.text, `${pointer}/text`, BLOCK_LIMITS.sectionText);
      if (value.fields !== undefined) {
        elementList(value.fields, BLOCK_LIMITS.sectionFields, `${pointer}/fields`, (field, at) =>
          textObject(field, at, BLOCK_LIMITS.sectionFieldText),
        );
      }
      if (value.accessory !== undefined) element(value.accessory, `${pointer}/accessory`);
      break;
    }
    case 'header':
      textObject(value.text, `${pointer}/text`, BLOCK_LIMITS.headerText, true);
      break;
    case 'actions': {
      const elements = elementList(value.elements, BLOCK_LIMITS.actionsElements, `${pointer}/elements`, element);
      const seen = new Set<string>();
      elements.forEach((el, i) => {
        const id = (el as Obj).action_id;
        if (typeof id !== 'string') return;
        if (seen.has(id)) fail(`${pointer}/elements/${i}/action_id`, `action_id "${id}" already exists in this block`);
        seen.add(id);
      });
      break;
    }
    case 'context':
      elementList(value.elements, BLOCK_LIMITS.contextElements, `${pointer}/elements`, contextElement);
      break;
    case 'input':
      textObject(value.label, `${pointer}/label`, BLOCK_LIMITS.labelText, true);
      if (value.element === undefined) fail(`${pointer}/element`, 'is required');
      element(value.element, `${pointer}/element`);
      break;
    case 'image':
      element(value, pointer);
      break;
    default:
      break;
  }
}

function blocksIn(blocks: unknown, surface: BlockSurface, pointer: string): void {
  if (!Array.isArray(blocks)) fail(pointer, 'must be an array', 'invalid_blocks_format');
  const limit = surface === 'message' ? BLOCK_LIMITS.blocksPerMessage : BLOCK_LIMITS.blocksPerView;
  if (blocks.length > limit) fail(pointer, `must provide no more than ${limit} items`);
  const blockIds = new Set<string>();
  blocks.forEach((value, i) => {
    const at = `${pointer}/${i}`;
    if (!isObj(value) || typeof value.type !== 'string') fail(at, 'must be a block object');
    if (!KNOWN_BLOCKS.has(value.type)) fail(`${at}/type`, `unsupported block type "${value.type}"`);
    if (value.block_id !== undefined) {
      if (typeof value.block_id !== 'string' || value.block_id.length === 0) fail(`${at}/block_id`, 'must be a string');
      maxLength(value.block_id, BLOCK_LIMITS.blockIdLength, `${at}/block_id`);
      if (blockIds.has(value.block_id)) fail(`${at}/block_id`, `block_id "${value.block_id}" already exists`);
      blockIds.add(value.block_id);
    }
    block(value, at);
  });
}

/**
 * Checks a `blocks` array for the given surface (50 blocks for messages, 100 for modals and Home tabs).
 * Returns the first violation, or null when Slack would accept it. Not an array → `invalid_blocks_format`.
 */
export function checkBlocks(blocks: unknown, surface: BlockSurface): RuleViolation | null {
  return run(() => blocksIn(blocks, surface, '/blocks'));
}

/** Just the error code of {@link checkBlocks}, for callers that only branch on it. */
export function blockRuleError(blocks: unknown, surface: BlockSurface): string | null {
  return checkBlocks(blocks, surface)?.error ?? null;
}

/** Message `text` over 40,000 characters → `msg_too_long`. */
export function checkMessageText(text: unknown): RuleViolation | null {
  if (typeof text === 'string' && text.length > BLOCK_LIMITS.messageText) {
    return { error: 'msg_too_long', pointer: '/text', message: 'msg_too_long' };
  }
  return null;
}

/**
 * Checks a view for views.open / views.push / views.update (modal) and views.publish (home).
 * Slack answers schema problems in views with `invalid_arguments` (not `invalid_blocks`), and over 250 kB with
 * `view_too_large`; the violation carries that code.
 */
export function checkView(view: unknown, expectedType?: 'modal' | 'home'): RuleViolation | null {
  const violation = run(() => {
    if (!isObj(view)) fail('/view', 'must be a view object', 'invalid_arguments');
    if (JSON.stringify(view).length > BLOCK_LIMITS.viewBytes) fail('/view', 'view is too large', 'view_too_large');
    const type = view.type;
    if (type !== 'modal' && type !== 'home') fail('/view/type', 'must be one of modal, home');
    if (expectedType !== undefined && type !== expectedType) fail('/view/type', `must be ${expectedType}`);
    if (type === 'modal') {
      if (view.title === undefined) fail('/view/title', 'is required');
      textObject(view.title, '/view/title', BLOCK_LIMITS.viewTitle, true);
      if (view.submit !== undefined) textObject(view.submit, '/view/submit', BLOCK_LIMITS.viewButton, true);
      if (view.close !== undefined) textObject(view.close, '/view/close', BLOCK_LIMITS.viewButton, true);
      const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
      if (hasInput && view.submit === undefined) fail('/view/submit', 'is required when input blocks are present');
    }
    maxLength(view.callback_id, BLOCK_LIMITS.callbackIdLength, '/view/callback_id');
    maxLength(view.external_id, BLOCK_LIMITS.callbackIdLength, '/view/external_id');
    maxLength(view.private_metadata, BLOCK_LIMITS.privateMetadataLength, '/view/private_metadata');
    blocksIn(view.blocks, type, '/view/blocks');
  });
  if (violation && violation.error !== 'view_too_large') violation.error = 'invalid_arguments';
  return violation;
}
