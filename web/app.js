// The lbe dashboard: one ES module, no framework. Served at /ui/ by src/api/routes/web; every call goes
// to the same server's API (paths relative to the page, so a reverse-proxy prefix keeps working).
// Content from the server is only ever written with textContent, never parsed as HTML.

const KEY_STORAGE = 'lbe.apiKey';
const LOG_LINES_KEPT = 5000;
const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  apiKey: sessionStorage.getItem(KEY_STORAGE) ?? '',
  /** @type {string | null} */ nextCursor: null,
  /** @type {string | null} */ watching: null,
  /** @type {WebSocket | null} */ socket: null,
};

class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{code?: string, message?: string, issues?: {path: string, message: string}[]} | undefined} body
   */
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.issues = body?.issues ?? [];
  }
}

/** An API path ("/api/…") resolved against the page, which lives at <prefix>/ui/. */
function apiUrl(path) {
  return new URL(`..${path}`, window.location.href);
}

function authHeaders() {
  return state.apiKey === '' ? {} : { authorization: `Bearer ${state.apiKey}` };
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function api(method, path, body) {
  const headers = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

function showMessage(text) {
  const el = $('message');
  el.textContent = text;
  el.hidden = text === '';
}

/** The summary line above an error's issue list (the message itself repeats every issue). */
function summarize(error) {
  if (error instanceof ApiError && error.issues.length > 0) {
    return `${error.code}: ${error.issues.length} problem(s) in the spec:`;
  }
  return describe(error);
}

/** @param {unknown} error */
function describe(error) {
  if (error instanceof ApiError) {
    const hint = error.status === 401 ? ' — enter a valid API key above' : '';
    return `${error.code}: ${error.message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

function statusBadge(status) {
  return el('span', status, `status ${status}`);
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 'B';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value.toFixed(1)} ${unit}`;
}

// ---------------------------------------------------------------- key

function renderKeyState() {
  $('key-state').textContent =
    state.apiKey === '' ? 'no key (works in embedded single-user mode only)' : 'key set for this tab';
  /** @type {HTMLInputElement} */ ($('api-key')).value = state.apiKey;
}

function setKey(key) {
  state.apiKey = key.trim();
  if (state.apiKey === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, state.apiKey);
  renderKeyState();
  showMessage('');
  void loadAll();
}

// ---------------------------------------------------------------- presets and spec

async function loadPresets() {
  const select = /** @type {HTMLSelectElement} */ ($('preset'));
  const { presets } = await api('GET', '/api/presets');
  select.replaceChildren(el('option', '—'));
  /** @type {HTMLOptionElement} */ (select.firstChild).value = '';
  for (const p of presets) {
    const option = el('option', `${p.name} — ${p.description}`);
    option.value = p.name;
    select.append(option);
  }
}

async function pickPreset() {
  const name = /** @type {HTMLSelectElement} */ ($('preset')).value;
  if (name === '') return;
  try {
    const preset = await api('GET', `/api/presets/${encodeURIComponent(name)}`);
    /** @type {HTMLTextAreaElement} */ ($('spec')).value = JSON.stringify(preset.spec, null, 2);
    renderIssues('', [], []);
  } catch (error) {
    showMessage(describe(error));
  }
}

/** The textarea's JSON, or undefined after showing why it is not JSON. */
function readSpec() {
  const text = /** @type {HTMLTextAreaElement} */ ($('spec')).value;
  try {
    const spec = JSON.parse(text);
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      renderIssues('The spec must be a JSON object.', [], []);
      return undefined;
    }
    return spec;
  } catch (error) {
    renderIssues(`The spec is not valid JSON (YAML is not accepted here): ${describe(error)}`, [], []);
    return undefined;
  }
}

/**
 * @param {string} summary
 * @param {{path: string, message: string}[]} errors
 * @param {{path: string, message: string}[]} warnings
 */
function renderIssues(summary, errors, warnings) {
  $('spec-result').textContent = summary;
  const list = $('spec-issues');
  list.replaceChildren();
  /** @param {{path: string, message: string}} issue @param {'problem' | 'warning'} kind */
  const add = (issue, kind) => {
    const item = el('li', undefined, kind);
    if (kind === 'warning') item.append('warning: ');
    item.append(el('code', issue.path === '' ? '(spec)' : issue.path), ` ${issue.message}`);
    list.append(item);
  };
  for (const issue of errors) add(issue, 'problem');
  for (const issue of warnings) add(issue, 'warning');
}

async function validateSpec() {
  const spec = readSpec();
  if (spec === undefined) return;
  try {
    const report = await api('POST', '/api/build/validate', spec);
    renderIssues(
      report.valid ? 'The spec is valid.' : `The spec has ${report.errors.length} error(s):`,
      report.errors,
      report.warnings,
    );
  } catch (error) {
    renderIssues(summarize(error), error instanceof ApiError ? error.issues : [], []);
  }
}

async function startBuild(event) {
  event.preventDefault();
  const spec = readSpec();
  if (spec === undefined) return;
  const force = /** @type {HTMLInputElement} */ ($('force')).checked;
  try {
    const result = await api('POST', `/api/build/start${force ? '?force=true' : ''}`, spec);
    renderIssues(
      result.reused
        ? `This spec already succeeded: build ${result.buildId} (tick "Rebuild" to build again).`
        : `Build ${result.buildId} is ${result.status}.`,
      [],
      result.warnings,
    );
    await loadBuilds();
    await watch(result.buildId);
  } catch (error) {
    renderIssues(summarize(error), error instanceof ApiError ? error.issues : [], []);
  }
}

// ---------------------------------------------------------------- builds list

async function loadBuilds(append = false) {
  const query = append && state.nextCursor !== null ? `&cursor=${encodeURIComponent(state.nextCursor)}` : '';
  const page = await api('GET', `/api/builds?limit=20${query}`);
  const body = /** @type {HTMLTableElement} */ ($('builds')).tBodies[0];
  if (!append) body.replaceChildren();
  for (const build of page.items) body.append(buildRow(build));
  state.nextCursor = page.nextCursor;
  $('more').hidden = page.nextCursor === null;
  $('builds-empty').hidden = body.rows.length > 0;
}

function buildRow(build) {
  const row = document.createElement('tr');
  row.dataset.buildId = build.buildId;
  if (build.buildId === state.watching) row.className = 'selected';
  const name = el('td', build.name);
  name.title = build.buildId;
  const status = el('td');
  status.append(statusBadge(build.status));
  const actions = el('td');
  const open = el('button', 'Open');
  open.type = 'button';
  open.addEventListener('click', () => void watch(build.buildId));
  actions.append(open);
  if (!TERMINAL.has(build.status)) {
    const cancel = el('button', 'Cancel');
    cancel.type = 'button';
    cancel.addEventListener('click', () => void cancelBuild(build.buildId));
    actions.append(' ', cancel);
  }
  row.append(
    name,
    status,
    el('td', build.step ?? ''),
    el('td', `${build.progress}%`),
    el('td', new Date(build.createdAt).toLocaleString()),
    actions,
  );
  return row;
}

async function cancelBuild(buildId) {
  try {
    const result = await api('POST', `/api/build/${encodeURIComponent(buildId)}/cancel`);
    showMessage('');
    if (state.watching === buildId) renderStatus(result.status, undefined, undefined);
    await loadBuilds();
  } catch (error) {
    showMessage(describe(error));
  }
}

// ---------------------------------------------------------------- one build, live

/** The watched build's row in the list, kept in step with its live events. */
function updateRow(buildId, status, step, progress) {
  const row = [.../** @type {HTMLTableElement} */ ($('builds')).tBodies[0].rows].find(
    (r) => r.dataset.buildId === buildId,
  );
  if (row === undefined) return;
  const [, statusCell, stepCell, progressCell] = row.cells;
  statusCell.replaceChildren(statusBadge(status));
  if (step !== undefined) stepCell.textContent = step ?? '';
  if (progress !== undefined) progressCell.textContent = `${progress}%`;
}

function renderStatus(status, step, progress) {
  const badge = $('detail-status');
  badge.textContent = status;
  badge.className = `status ${status}`;
  if (step !== undefined) $('detail-step').textContent = step ?? '';
  if (progress !== undefined) /** @type {HTMLProgressElement} */ ($('detail-progress')).value = progress;
  $('detail-cancel').hidden = TERMINAL.has(status);
  if (state.watching !== null) updateRow(state.watching, status, step, progress);
}

function appendLog(line) {
  const log = $('detail-log');
  log.append(`${line}\n`);
  while (log.childNodes.length > LOG_LINES_KEPT) log.firstChild?.remove();
  log.scrollTop = log.scrollHeight;
}

function renderArtifacts(artifacts) {
  const list = $('detail-artifacts');
  list.replaceChildren();
  if (artifacts.length === 0) list.append(el('li', 'none yet', 'muted'));
  for (const artifact of artifacts) {
    const item = el('li');
    const label = `${artifact.type}: ${artifact.fileName} (${formatBytes(artifact.sizeBytes)})`;
    if (artifact.downloadUrl === null || artifact.expired) {
      item.append(
        el(
          'span',
          `${label}${artifact.expired ? ' — expired' : ''}${artifact.ref ? ` ${artifact.ref}` : ''}`,
        ),
      );
    } else {
      const link = /** @type {HTMLAnchorElement} */ (el('a', label));
      link.href = apiUrl(artifact.downloadUrl).toString();
      link.download = artifact.fileName;
      link.addEventListener('click', (event) => {
        // Links cannot carry the Authorization header: with a key, fetch the file and hand it over.
        if (state.apiKey === '') return;
        event.preventDefault();
        void downloadWithKey(link.href, artifact.fileName);
      });
      item.append(link);
      if (artifact.sha256) item.append(el('span', ` sha256 ${artifact.sha256.slice(0, 16)}…`, 'muted'));
    }
    list.append(item);
  }
}

async function downloadWithKey(url, fileName) {
  try {
    const response = await fetch(url, { headers: authHeaders() });
    if (!response.ok) {
      const data = await response.json().catch(() => undefined);
      throw new ApiError(response.status, data?.error);
    }
    // octet-stream: a typed blob would make the browser append an extension (.txt) to the name.
    const blob = new Blob([await response.arrayBuffer()], { type: 'application/octet-stream' });
    const blobUrl = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = blobUrl;
    a.download = fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  } catch (error) {
    showMessage(describe(error));
  }
}

function closeSocket() {
  if (state.socket !== null) {
    state.socket.onclose = null;
    state.socket.close(1000);
    state.socket = null;
  }
}

async function watch(buildId) {
  closeSocket();
  state.watching = buildId;
  for (const row of /** @type {HTMLTableElement} */ ($('builds')).tBodies[0].rows) {
    row.className = row.dataset.buildId === buildId ? 'selected' : '';
  }
  $('detail').hidden = false;
  $('detail-id').textContent = buildId;
  $('detail-log').replaceChildren();
  $('detail-live').textContent = '';
  let build;
  try {
    build = await api('GET', `/api/build/status/${encodeURIComponent(buildId)}?logsLimit=1000`);
  } catch (error) {
    showMessage(describe(error));
    return;
  }
  if (state.watching !== buildId) return;
  $('detail-name').textContent = build.name;
  renderStatus(build.status, build.step, build.progress);
  const errorBox = $('detail-error');
  errorBox.hidden = build.error === null;
  errorBox.textContent = build.error === null ? '' : `${build.error.code}: ${build.error.message}`;
  for (const line of build.logs.lines) appendLog(line.message);
  renderArtifacts(build.artifacts);
  if (!TERMINAL.has(build.status)) follow(buildId);
}

/** Live events of one build over /ws (the key goes in the query: browsers cannot set socket headers). */
function follow(buildId) {
  const url = apiUrl('/ws');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (state.apiKey !== '') url.searchParams.set('apiKey', state.apiKey);
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId }));
  });
  socket.addEventListener('message', (message) => {
    let event;
    try {
      event = JSON.parse(String(message.data));
    } catch {
      return;
    }
    if (event.buildId !== undefined && event.buildId !== buildId) return;
    switch (event.type) {
      case 'SUBSCRIBED':
        $('detail-live').textContent = 'live';
        renderStatus(event.status, event.step, event.progress);
        break;
      case 'LOG':
        appendLog(event.line);
        break;
      case 'STEP':
        renderStatus($('detail-status').textContent ?? '', event.step, event.progress);
        break;
      case 'BUILD_STATUS':
        renderStatus(event.status, undefined, undefined);
        break;
      case 'BUILD_COMPLETE':
        renderStatus(event.status, undefined, event.status === 'SUCCESS' ? 100 : undefined);
        renderArtifacts(event.artifacts);
        $('detail-live').textContent = 'finished';
        closeSocket();
        void watch(buildId)
          .then(() => loadBuilds())
          .catch((error) => showMessage(describe(error)));
        break;
      case 'ERROR':
        showMessage(`${event.code}: ${event.message}`);
        break;
      default:
        break;
    }
  });
  socket.addEventListener('close', () => {
    if (state.socket === socket) {
      state.socket = null;
      $('detail-live').textContent = 'disconnected — Open the build again to reconnect';
    }
  });
}

// ---------------------------------------------------------------- start

async function loadAll() {
  try {
    await Promise.all([loadPresets(), loadBuilds()]);
    showMessage('');
  } catch (error) {
    showMessage(describe(error));
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setKey(/** @type {HTMLInputElement} */ ($('api-key')).value);
});
$('forget-key').addEventListener('click', () => setKey(''));
$('preset').addEventListener('change', () => void pickPreset());
$('validate').addEventListener('click', () => void validateSpec());
$('spec-form').addEventListener('submit', (event) => void startBuild(event));
$('refresh').addEventListener('click', () => void loadBuilds().catch((e) => showMessage(describe(e))));
$('more').addEventListener('click', () => void loadBuilds(true).catch((e) => showMessage(describe(e))));
$('detail-cancel').addEventListener('click', () => {
  if (state.watching !== null) void cancelBuild(state.watching);
});

renderKeyState();
void loadAll();
