// My documents (issue 16): the person sends the scans or photos a
// procedure needs (a work patent, РВП, ВНЖ, ...) as one set, watches each
// page being read, and reads the check's outcome: ready for a registrar,
// returned with named defects (each in the person's language, with what to
// do and the rule it cites), or referred; later the registrar's decision
// and reason. The machine never refuses: a registrar decides.
//
// #/documents          the person's sets and a form to start one
// #/documents?set=ID   one set: add or remove pages, send, progress, outcome
//
// Nothing read from a page (names, numbers) ever reaches this screen: the
// server shows each page's state and type only.

import { h, uid } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { formatMoment, formatNumber } from '/common/format.js';
import * as api from '../api.js';
import { button, errorText, field, link, notice, officerText, page, slot } from '../ui.js';

const PAGE_BYTES = 8 * 1024 * 1024;   // LIMIT_DOCSET_PAGE_BYTES: checked here to spare the upload
const ACCEPT = 'image/jpeg,image/png,application/pdf';   // what the server takes (docset/sniff)
const POLL_MS = 1500;
const WAITING = ['queued', 'reading'];

const setPath = (id) => `/api/v1/document-sets/${encodeURIComponent(id)}`;

// A document type's name in the person's language (po: docset.type.<id>).
function typeName(type) {
  const key = `docset.type.${type}`;
  const text = t(key);
  return text === key ? type : text;
}

function procedureName(p) {
  const key = `docset.procedure.${p}`;
  const text = t(key);
  return text === key ? p : text;
}

function stateText(s) {
  return t(`docs.state.${s.state}`);
}

// ------------------------------------------------------------------ the list

function setItem(s) {
  return h('li', {},
    h('a', { href: `#/documents?set=${encodeURIComponent(s.id)}`, class: 'menu-link', 'data-set': s.id },
      h('span', { class: 'set-line' }, t('docs.set_title', { id: s.id }), ' · ', procedureName(s.procedure)),
      h('span', { class: 'small set-line' }, stateText(s))));
}

// The person's sets as a list; the error when they cannot be read.
async function mySets() {
  try {
    const res = await api.call('GET', '/api/v1/document-sets');
    const items = res.items || [];
    return items.length ? h('ul', { class: 'menu-list list' }, items.map(setItem)) : h('p', {}, t('docs.none'));
  } catch (err) {
    return err;
  }
}

// The procedures a set may be sent for: the server's rule catalogue, in its
// order (GET /document-sets/procedures); the error when it cannot be read.
async function procedures() {
  try {
    return (await api.call('GET', '/api/v1/document-sets/procedures')).items || [];
  } catch (err) {
    return err;
  }
}

function newSetForm(ctx, procs) {
  const status = slot();
  const proc = field(t('docs.procedure'), {
    tag: 'select',
    name: 'procedure',
    required: true,
    options: [h('option', { value: '' }, t('docs.procedure_choose')),
      ...procs.map((p) => h('option', { value: p }, procedureName(p)))],
  });
  const planned = field(t('form.optional', { label: t('docs.planned') }), { type: 'date', name: 'planned_decision' },
    t('docs.planned_hint'));
  const start = h('button', { type: 'submit', class: 'btn btn-primary' }, t('docs.start'));
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t('docs.new_title')), proc.wrap, planned.wrap, start, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!proc.input.value) {
      proc.setError(t('docs.procedure_needed'));
      proc.input.focus();
      return;
    }
    const body = { procedure: proc.input.value };
    if (planned.input.value) body.planned_decision = planned.input.value;
    start.disabled = true;
    try {
      const set = await api.call('POST', '/api/v1/document-sets', body);
      ctx.go(`documents?set=${set.id}`);
    } catch (err) {
      start.disabled = false;
      const target = err.code === 'invalid_date' ? planned : null;
      if (target) {
        target.setError(errorText(err));
        target.input.focus();
      } else {
        status.replaceChildren(notice('error', errorText(err)));
      }
    }
  });
  return form;
}

async function listScreen(ctx) {
  const [sets, procs] = await Promise.all([mySets(), procedures()]);
  const failed = [sets, procs].find((x) => x instanceof Error);
  if (failed) {
    // Off on this server: say so, and offer nothing that cannot work; the
    // list alone failing still leaves the form.
    const off = failed.code === 'docsets_off';
    const form = off || procs instanceof Error ? null : newSetForm(ctx, procs);
    return page(t('docs.title'), notice(off ? 'info' : 'error', errorText(failed)), form);
  }
  return page(t('docs.title'),
    h('p', {}, t('docs.intro')),
    newSetForm(ctx, procs),
    h('h2', {}, t('docs.mine')),
    sets);
}

// ------------------------------------------------------------------ one set

function pageLabel(p) {
  return p.pdf_page ? t('docs.page_pdf', { n: p.n, sheet: p.pdf_page }) : t('docs.page', { n: p.n });
}

// One page: its number, its state in words, what it looks like (a sheet
// of prints: how many photographs the check counted on it), and advice.
function pageItem(p, onRemove) {
  const type = p.type && p.type !== 'unknown' ? typeName(p.type) : null;
  let looks = type ? t('docs.page_type', { type }) : null;
  if (p.prints) looks = t('docs.page_prints', { count: p.prints });
  const li = h('li', { class: 'card page-item', 'data-page': p.n, 'data-state': p.state },
    h('p', {}, h('strong', {}, pageLabel(p)), ' — ',
      h('span', { class: 'page-state' }, t(`docs.page_state.${p.state}`))),
    looks ? h('p', { class: 'small page-looks' }, looks) : null,
    (p.advice || []).length ? h('ul', { class: 'advice' }, p.advice.map((a) => h('li', {}, a))) : null);
  if (onRemove) {
    li.appendChild(button(t('docs.remove'), {
      class: 'btn btn-secondary btn-small',
      'aria-label': t('docs.remove_page', { page: pageLabel(p) }),
      onclick: () => onRemove(p),
    }));
  }
  return li;
}

// "Pages read: 2 of 3", as text (in a live region, changed only when the
// count changes, so a screen reader hears each step once) and as a bar.
function progress() {
  const id = uid('progress');
  const text = h('p', { id, 'data-testid': 'progress' });
  const bar = h('progress', { 'aria-labelledby': id });
  const box = h('div', { class: 'progress-box', 'aria-live': 'polite' }, text, bar);
  function update(set) {
    const total = set.pages.length;
    const done = set.pages.filter((p) => !WAITING.includes(p.state)).length;
    const line = t('docs.progress', { done: formatNumber(done), total: formatNumber(total) });
    if (text.textContent !== line) text.textContent = line;
    bar.max = Math.max(total, 1);
    bar.value = done;
  }
  return { box, update };
}

function requiredList(set) {
  const req = set.required || [];
  if (!req.length) return null;
  return h('div', { class: 'card' },
    h('h2', {}, t('docs.required')),
    h('ul', { class: 'required' }, req.map((r) => {
      // the types that count as this one, side by side: "Kinship document / Birth certificate"
      const title = [r.type, ...(r.or || [])].map(typeName).join(' / ');
      return h('li', {}, r.count > 1 ? t('docs.required_count', { title, count: formatNumber(r.count) }) : title);
    })));
}

// A file picker: "take a photo" opens the camera on a phone (capture),
// "choose a file" takes photos or PDFs already on it.
function picker(label, hint, attrs, onFiles) {
  const id = uid('pages');
  const input = h('input', { type: 'file', id, name: 'page', 'aria-describedby': `${id}-hint`, ...attrs });
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    onFiles(files);
  });
  return { input, wrap: h('div', { class: 'field' },
    h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, hint), input) };
}

// The open set: pages, the file pickers and the send button.
function openView(ctx, set, refresh) {
  const status = h('div', { class: 'slot', 'aria-live': 'polite', 'data-testid': 'pages-status' });
  const list = h('ul', { class: 'list pages' });
  const send = button(t('docs.send'), { class: 'btn btn-primary btn-big' });
  const say = (kind, text) => status.replaceChildren(notice(kind, text));

  async function upload(files) {
    for (const file of files) {
      if (file.size > PAGE_BYTES) {
        say('error', t('docs.file_error', { file: file.name, error: t('error.page_too_large') }));
        continue;
      }
      say('info', t('docs.uploading', { file: file.name }));
      try {
        await api.call('POST', `${setPath(set.id)}/pages`, file, file.type || 'application/octet-stream');
        say('ok', t('docs.added', { file: file.name }));
      } catch (err) {
        say('error', t('docs.file_error', { file: file.name, error: errorText(err) }));
      }
    }
    await refresh();
  }

  const camera = picker(t('docs.add_photo'), t('docs.add_photo_hint'),
    { accept: 'image/jpeg,image/png', capture: 'environment' }, upload);
  const file = picker(t('docs.add_file'), t('docs.add_file_hint'), { accept: ACCEPT, multiple: true }, upload);

  async function remove(p) {
    try {
      await api.call('DELETE', `${setPath(set.id)}/pages/${encodeURIComponent(p.n)}`);
      say('ok', t('docs.removed', { page: pageLabel(p) }));
      await refresh();
      file.input.focus();
    } catch (err) {
      say('error', errorText(err));
    }
  }

  function showPages(s) {
    list.replaceChildren(...(s.pages.length ? s.pages.map((p) => pageItem(p, remove)) : [h('li', {}, t('docs.no_pages'))]));
    send.disabled = s.pages.length === 0;
  }

  send.addEventListener('click', async () => {
    send.disabled = true;
    try {
      await api.call('POST', `${setPath(set.id)}/submit`);
      ctx.go(`documents?set=${set.id}`);
    } catch (err) {
      send.disabled = false;
      say('error', errorText(err));
    }
  });

  showPages(set);
  return {
    nodes: [requiredList(set), h('h2', {}, t('docs.pages')), list, camera.wrap, file.wrap, status, send],
    update: showPages,
  };
}

// While the set is being checked: each page's state and the count read.
function checkingView(set) {
  const list = h('ul', { class: 'list pages' });
  const count = progress();
  function update(s) {
    count.update(s);
    list.replaceChildren(...s.pages.map((p) => pageItem(p, null)));
  }
  update(set);
  return {
    nodes: [notice('info', t('docs.checking')), count.box, h('h2', {}, t('docs.pages')), list],
    update,
  };
}

function finding(f, pages) {
  const where = [];
  if (f.type && f.type !== 'unknown') where.push(t('docs.finding_document', { type: typeName(f.type) }));
  const pageNo = Number.isInteger(f.document) && pages ? pages[f.document] : null;
  if (f.code !== 'missing_document' && pageNo) where.push(t('docs.page', { n: pageNo }));
  const source = [f.act, f.article].filter(Boolean).join(', ');
  return h('li', { class: `card finding finding-${f.severity}`, 'data-code': f.code },
    h('p', {}, h('strong', {}, f.message || t('docset.finding.other'))),
    where.length ? h('p', {}, where.join(' · ')) : null,
    f.todo ? h('p', { class: 'todo' }, f.todo) : null,
    f.rule ? h('p', { class: 'small' }, t('docs.finding_rule', { rule: f.rule, source: source || '—' })) : null);
}

const OUTCOME_KIND = { ready: 'ok', returned: 'warn', referred: 'info' };

function outcomeView(set) {
  const res = set.result || {};
  const outcome = set.outcome || res.outcome;
  const findings = res.findings || [];
  const advice = set.pages.filter((p) => (p.advice || []).length);
  const nodes = [
    h('h2', {}, t('docs.outcome')),
    notice(OUTCOME_KIND[outcome] || 'info', h('p', { 'data-testid': 'outcome' }, res.message || t(`docset.outcome.${outcome}`))),
  ];
  if (findings.length) {
    nodes.push(h('h3', {}, outcome === 'returned' ? t('docs.findings_fix') : t('docs.findings')),
      h('ul', { class: 'list findings', 'data-testid': 'findings' }, findings.map((f) => finding(f, res.pages))));
  } else {
    nodes.push(h('p', {}, t('docs.no_findings')));
  }
  if (advice.length) {
    nodes.push(h('h3', {}, t('docs.pages_advice')), h('ul', { class: 'list pages' }, advice.map((p) => pageItem(p, null))));
  }
  if (set.decision) {
    nodes.push(h('div', { class: 'card', 'data-testid': 'decision' },
      h('h2', {}, t('docs.decision')),
      notice(set.decision === 'accepted' ? 'ok' : 'warn', t(`docs.decision.${set.decision}`)),
      set.decided_at ? h('p', { class: 'small' }, t('docs.decided_at', { moment: formatMoment(set.decided_at) })) : null,
      set.decision_reason ? h('p', {}, t('docs.reason'), ' ', officerText(set.decision_reason)) : null));
  } else {
    nodes.push(h('p', {}, t('docs.wait_decision')));
  }
  if (outcome === 'returned' || set.decision === 'returned') {
    nodes.push(link(t('docs.send_again'), 'documents', 'btn btn-primary'));
  }
  return { nodes, update: null };
}

// Looks at the set again while anything is being read, until the screen
// is left; when its state changes, the screen is drawn anew. One look-out
// per screen (`watcher`), however often it is asked to start.
function watch(ctx, set, view, watcher) {
  const waiting = (s) => s.state === 'checking' || s.pages.some((p) => WAITING.includes(p.state));
  if (watcher.timer || !waiting(set)) return;
  const stop = () => { clearInterval(watcher.timer); watcher.timer = null; };
  watcher.timer = setInterval(async () => {
    if (!ctx.current()) { stop(); return; }
    let now;
    try {
      now = await api.call('GET', setPath(set.id));
    } catch {
      return; // offline for a moment: the banner says so; look again later
    }
    if (!ctx.current() || !watcher.timer) { stop(); return; }
    if (now.state !== set.state) {
      stop();
      ctx.go(`documents?set=${set.id}`);
      return;
    }
    if (view.update) view.update(now);
    if (!waiting(now)) stop();
  }, POLL_MS);
}

async function setScreen(ctx, id) {
  let set;
  try {
    set = await api.call('GET', setPath(id));
  } catch (err) {
    return page(t('docs.title'), notice('error', errorText(err)), link(t('docs.all'), 'documents', 'link'));
  }
  let view;
  const watcher = { timer: null };
  const refresh = async () => {
    try {
      const now = await api.call('GET', setPath(id));
      if (view.update) view.update(now);
      watch(ctx, now, view, watcher);
    } catch {
      // the next action or visit shows it
    }
  };
  if (set.state === 'open') view = openView(ctx, set, refresh);
  else if (set.state === 'checking') view = checkingView(set);
  else view = outcomeView(set);
  watch(ctx, set, view, watcher);
  return page(t('docs.set_title', { id: set.id }),
    h('p', { class: 'greeting' }, procedureName(set.procedure)),
    h('p', { class: 'small' }, t('docs.state_line', { state: stateText(set) })),
    ...view.nodes,
    link(t('docs.all'), 'documents', 'link'));
}

export async function render(ctx) {
  const id = ctx.query && ctx.query.get('set');
  if (id) return setScreen(ctx, id);
  return listScreen(ctx);
}
