// @ts-check
/**
 * The Demo panel (issue #20): local mode's one-click steps of the README's tour. Switches and alerts run on the
 * server (`POST /workspace/demo`); the runbook and the experiment are commands the signed-in person types in the
 * service's channel, exactly as from the composer. A workspace without a panel (tests) lists no actions: it stays hidden.
 */
import { escapeHtml } from './render.js';
import { $, post, report, snap } from './store.js';

/** @typedef {{ id: string, label: string, hint: string, command?: { channel: string, text: string } }} DemoAction */

/** @type {DemoAction[]} */
let actions = [];

/** @param {string} text @param {boolean} error */
function say(text, error) {
  const status = $('composer-status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** Fetches the panel's actions and draws them. @param {(channelId: string) => void} navigate */
export async function loadDemoPanel(navigate) {
  const res = await fetch('/workspace/demo').catch(() => null);
  actions = res?.ok ? ((await res.json()).actions ?? []) : [];
  $('demo-panel').hidden = actions.length === 0;
  $('demo-actions').innerHTML = actions
    .map(
      (a) =>
        `<button type="button" class="demo-action" data-demo="${escapeHtml(a.id)}" title="${escapeHtml(a.hint)}">${escapeHtml(a.label)}</button>`,
    )
    .join('');
  $('demo-actions').addEventListener('click', (e) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-demo]'));
    const action = actions.find((a) => a.id === button?.dataset.demo);
    if (button && action) void run(button, action, navigate);
  });
}

/** @param {HTMLElement} button @param {DemoAction} action @param {(channelId: string) => void} navigate */
async function run(button, action, navigate) {
  button.classList.add('busy');
  try {
    if (action.command) {
      navigate(action.command.channel);
      const r = await post('/workspace/command', {
        userId: snap().self,
        channelId: action.command.channel,
        text: action.command.text,
      });
      report(action.command.text.split(/\s/)[0] ?? action.label, r);
      return;
    }
    const r = await post('/workspace/demo', { action: action.id });
    say(r.ok ? r.data.text : `${action.label} failed: ${r.data.error ?? 'no answer'}`, !r.ok);
  } finally {
    button.classList.remove('busy');
  }
}
