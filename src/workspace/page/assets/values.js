// @ts-check
/**
 * What a modal's inputs hold, in Slack's `view.state.values` shape (`{block_id: {action_id: {type, …}}}`), from the
 * raw strings the page reads out of its form. Pure: the options come from the view's own block JSON, so
 * `selected_option` is the option object Slack would send, not just its value.
 */

/** @param {any} element @returns {any[]} */
function optionsOf(element) {
  const groups = Array.isArray(element.option_groups) ? element.option_groups : [];
  return [...(element.options ?? []), ...groups.flatMap((/** @type {any} */ g) => g.options ?? [])];
}

/** @param {any} element @param {string} value */
function option(element, value) {
  return optionsOf(element).find((o) => String(o.value) === value) ?? null;
}

/**
 * One element's state from what the page read: a string (text, date, single choice) or a list (multiple choices).
 * @param {any} element @param {string | string[] | null} raw
 */
export function stateValue(element, raw) {
  const type = String(element?.type ?? 'plain_text_input');
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const one = list[0] ?? null;
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: one === null ? null : option(element, one) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: list.map((v) => option(element, v)).filter(Boolean) };
    case 'users_select':
      return { type, selected_user: one };
    case 'multi_users_select':
      return { type, selected_users: list };
    case 'conversations_select':
      return { type, selected_conversation: one };
    case 'multi_conversations_select':
      return { type, selected_conversations: list };
    case 'channels_select':
      return { type, selected_channel: one };
    case 'multi_channels_select':
      return { type, selected_channels: list };
    case 'datepicker':
      return { type, selected_date: one };
    case 'timepicker':
      return { type, selected_time: one };
    default:
      return { type, value: one };
  }
}

/**
 * `state.values` for every input block of a view, from raw reads keyed by block_id.
 * @param {unknown} blocks @param {Record<string, string | string[] | null>} reads
 */
export function stateValues(blocks, reads) {
  /** @type {Record<string, Record<string, unknown>>} */
  const values = {};
  for (const block of Array.isArray(blocks) ? blocks : []) {
    if (block?.type !== 'input' || typeof block.block_id !== 'string' || !block.element) continue;
    const read = reads[block.block_id];
    values[block.block_id] = { [String(block.element.action_id ?? '')]: stateValue(block.element, read ?? null) };
  }
  return values;
}

/** The `initial_*` field that shows each state shape again. @type {Record<string, string>} */
const SHOWN_AS = {
  value: 'initial_value',
  selected_option: 'initial_option',
  selected_options: 'initial_options',
  selected_user: 'initial_user',
  selected_users: 'initial_users',
  selected_conversation: 'initial_conversation',
  selected_conversations: 'initial_conversations',
  selected_channel: 'initial_channel',
  selected_channels: 'initial_channels',
  selected_date: 'initial_date',
  selected_time: 'initial_time',
};

/**
 * Blocks whose input elements show the view's current state: after an errors ack or a views.update the page
 * re-renders the modal, and what the person typed must still be there (Slack keeps it too).
 * @param {unknown} blocks @param {Record<string, Record<string, any>> | undefined} values
 */
export function applyState(blocks, values) {
  if (!Array.isArray(blocks)) return [];
  return blocks.map((block) => {
    const element = block?.type === 'input' ? block.element : undefined;
    const current = element && values?.[block.block_id]?.[element.action_id];
    if (!current) return block;
    const patch = {};
    for (const [stateKey, initialKey] of Object.entries(SHOWN_AS)) {
      const value = current[stateKey];
      if (value !== undefined && value !== null) Object.assign(patch, { [initialKey]: value });
    }
    return { ...block, element: { ...element, ...patch } };
  });
}
