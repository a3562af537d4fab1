// The playground page: sidebar, messages, threads, composer, modals and live updates over SSE.
// Every fragment of Block Kit / mrkdwn HTML comes pre-escaped from the server; names set here use textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  me: localStorage.getItem("playground.user") || "",
  users: [],
  channels: [],
  current: localStorage.getItem("playground.channel") || "",
  thread: null, // {channel, ts}
  unread: {},
  warnings: [],
  view: null,
  follow: null, // {after: ts, until: ms}: bring messages newer than ts into view until then
};

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok && data.ok === undefined) data.ok = false;
  return data;
}

function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

function userName(id) {
  const user = state.users.find((u) => u.id === id);
  return user ? user.name : id;
}

// ----- sidebar and user switcher ----------------------------------------------------------
async function loadState() {
  const asked = state.me;
  const data = await api(`/playground/state?user=${encodeURIComponent(asked)}`);
  if (asked !== state.me) return; // the user was switched meanwhile; a newer load is on its way
  state.users = data.users;
  state.channels = data.channels;
  if (!state.me || !state.users.some((u) => u.id === state.me)) state.me = data.me;
  if (!state.current || (state.current !== HOME && !state.channels.some((c) => c.id === state.current))) state.current = data.default_channel;
  $("workspace-name").textContent = data.team.name;
  renderSwitcher();
  renderSidebar();
  setWarnings(data.warnings);
  narrate(data.narration);
}

function renderSwitcher() {
  const select = $("user-switcher");
  select.replaceChildren();
  for (const user of state.users.filter((u) => !u.is_bot)) {
    const option = document.createElement("option");
    option.value = user.id;
    const onCall = (user.on_call || []).length ? ` · on call (${user.on_call.join(", ")})` : "";
    option.textContent = (user.title ? `${user.name} (${user.title})` : user.name) + onCall;
    option.selected = user.id === state.me;
    select.append(option);
  }
}

function renderSidebar() {
  for (const [listId, kind] of [["channel-list", "channel"], ["dm-list", "dm"]]) {
    const list = $(listId);
    list.replaceChildren();
    for (const channel of state.channels.filter((c) => c.kind === kind)) {
      const item = document.createElement("li");
      item.dataset.channelId = channel.id;
      item.textContent = (kind === "channel" ? (channel.is_private ? "🔒 " : "# ") : "● ") + channel.label;
      item.classList.toggle("active", channel.id === state.current);
      item.classList.toggle("archived", channel.is_archived);
      const unread = state.unread[channel.id] || 0;
      if (unread && channel.id !== state.current) {
        item.classList.add("unread");
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = String(unread);
        item.append(badge);
      }
      item.addEventListener("click", () => openChannel(channel.id));
      list.append(item);
    }
  }
  $("home-entry").classList.toggle("active", state.current === HOME);
}

// The app's Home tab: opening it sends app_home_opened; the app publishes the view shown here.
async function openHome() {
  await api("/playground/home/open", { user: state.me });
  await loadHome();
}

async function loadHome() {
  if (state.current !== HOME) return;
  const asked = state.me;
  const data = await api(`/playground/home?user=${encodeURIComponent(asked)}`);
  if (state.current !== HOME || asked !== state.me || !data.ok) return;
  $("channel-title").textContent = "Incident Bot · Home";
  $("channel-topic").textContent = "";
  const container = $("messages");
  container.dataset.channel = HOME;
  delete container.dataset.loaded;
  container.innerHTML = data.view ? data.view.html : '<div class="empty">The app has not published a Home tab yet.</div>';
}

const HOME = "home";

function openChannel(id) {
  state.current = id;
  state.unread[id] = 0;
  localStorage.setItem("playground.channel", id);
  closeThread();
  renderSidebar();
  loadChannel();
}

// ----- messages ---------------------------------------------------------------------------
const palette = ["#e01e5a", "#2eb67d", "#ecb22e", "#36c5f0", "#8e44ad", "#e67e22", "#16a085", "#2c3e50"];

function avatar(message) {
  const el = document.createElement("div");
  el.className = "avatar";
  const name = message.user_name || "?";
  el.textContent = message.is_bot ? "🚨" : name.slice(0, 1).toUpperCase();
  let hash = 0;
  for (const ch of message.user || name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  el.style.background = message.is_bot ? "#4a154b" : palette[hash % palette.length];
  return el;
}

function messageElement(message, inThread) {
  const row = document.createElement("div");
  row.className = "message" + (message.ephemeral ? " ephemeral" : "") + (message.pinned ? " pinned" : "")
    + (message.system ? " system" : "");
  row.dataset.ts = message.ts;
  row.dataset.channel = message.channel;
  if (message.ephemeral) row.dataset.ephemeral = "true";
  if (message.system) row.dataset.system = message.system; // e.g. "channel_join": a notice, not a post
  if (message.thread_ts) row.dataset.threadTs = message.thread_ts;
  row.append(avatar(message));
  const main = document.createElement("div");
  main.className = "message-main";
  if (message.pinned) {
    const pin = document.createElement("div");
    pin.className = "pinned-note";
    pin.textContent = "📌 Pinned";
    main.append(pin);
  }
  if (message.ephemeral) {
    const note = document.createElement("div");
    note.className = "only-you";
    note.textContent = "Only visible to you";
    main.append(note);
  }
  const meta = document.createElement("div");
  meta.className = "message-meta";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = message.user_name;
  meta.append(author);
  if (message.is_bot) {
    const tag = document.createElement("span");
    tag.className = "app-tag";
    tag.textContent = "APP";
    meta.append(tag);
  }
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = new Date(parseFloat(message.ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  time.title = message.ts;
  meta.append(time);
  if (message.edited) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "(edited)";
    meta.append(edited);
  }
  main.append(meta);
  const body = document.createElement("div");
  body.className = message.system ? "message-body system-text" : "message-body";
  body.innerHTML = message.html; // server-rendered, escaped
  main.append(body);
  if (!inThread && message.reply_count) {
    const link = document.createElement("button");
    link.type = "button";
    link.className = "thread-link";
    link.textContent = `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`;
    link.addEventListener("click", () => openThread(message.channel, message.ts));
    main.append(link);
  }
  row.append(main);
  if (!inThread && !message.ephemeral && !message.system) {
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "reply-button";
    reply.textContent = "Reply in thread";
    reply.addEventListener("click", () => openThread(message.channel, message.ts));
    row.append(reply);
  }
  if (!message.ephemeral && !message.system) {
    // Pinning or reacting with :pushpin: / :stopwatch: adds the message to an incident's timeline.
    const tools = document.createElement("div");
    tools.className = "mark-tools" + (inThread ? " in-thread" : "");
    for (const [label, title, route, extra] of [
      ["📌", "Pin to the channel", "pin", {}],
      ["⏱️", "React with :stopwatch:", "react", { name: "stopwatch" }],
    ]) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.mark = route === "pin" ? "pin" : extra.name;
      button.textContent = label;
      button.title = title;
      button.addEventListener("click", async () => {
        const result = await api(`/playground/${route}`, { user: state.me, channel: message.channel, ts: message.ts, ...extra });
        if (result && result.ok === false && result.error) toast(result.error);
      });
      tools.append(button);
    }
    row.append(tools);
  }
  return row;
}

// After the person acts (sends, clicks, submits a form), what follows is brought into view: for a while,
// a render with a message newer than the newest one on the page then scrolls to the bottom, wherever the
// list was scrolled to (the card clicked may be far up). Scrolling by hand stops it.
const FOLLOW_MS = 15000;

function followWhatComes() {
  const shown = [...document.querySelectorAll(".message[data-ts]")].map((row) => parseFloat(row.dataset.ts));
  state.follow = { after: Math.max(0, ...shown), until: Date.now() + FOLLOW_MS };
}

function somethingNewCame(messages) {
  const follow = state.follow;
  if (!follow || Date.now() > follow.until || !messages.length) return false;
  return parseFloat(messages[messages.length - 1].ts) > follow.after;
}

function renderMessages(container, messages, inThread) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const follow = somethingNewCame(messages);
  container.replaceChildren();
  if (!messages.length) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = "No messages yet.";
    container.append(empty);
  }
  for (const message of messages) container.append(messageElement(message, inThread));
  if (nearBottom || follow || !container.dataset.loaded) container.scrollTop = container.scrollHeight;
  container.dataset.loaded = "1";
}

let channelLoad = 0;
async function loadChannel() {
  if (!state.current) return;
  $("composer").hidden = state.current === HOME;
  if (state.current === HOME) { await openHome(); return; }
  const ticket = ++channelLoad;
  const asked = state.me;
  const data = await api(`/playground/channel/${encodeURIComponent(state.current)}?user=${encodeURIComponent(asked)}`);
  if (ticket !== channelLoad || asked !== state.me || !data.ok) return;
  $("channel-title").textContent = data.channel.title;
  $("channel-topic").textContent = data.channel.topic || "";
  $("composer-input").placeholder = `Message ${data.channel.title}, ${data.channel.composer_hint}`;
  const container = $("messages");
  if (container.dataset.channel !== state.current) delete container.dataset.loaded;
  container.dataset.channel = state.current;
  renderMessages(container, data.messages, false);
}

async function openThread(channel, ts) {
  state.thread = { channel, ts };
  $("thread-pane").hidden = false;
  delete $("thread-messages").dataset.loaded;
  await loadThread();
  $("thread-input").focus();
}

function closeThread() {
  state.thread = null;
  $("thread-pane").hidden = true;
}

async function loadThread() {
  if (!state.thread) return;
  const { channel, ts } = state.thread;
  const asked = state.me;
  const data = await api(`/playground/thread/${encodeURIComponent(channel)}/${encodeURIComponent(ts)}?user=${encodeURIComponent(asked)}`);
  if (data.ok && asked === state.me && state.thread && state.thread.ts === ts) {
    renderMessages($("thread-messages"), data.messages, true);
  }
}

// ----- composer ---------------------------------------------------------------------------
async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const channel = threadTs ? state.thread.channel : state.current;
  followWhatComes();
  const result = await api("/playground/send", { user: state.me, channel, text, thread_ts: threadTs || null });
  if (!result.ok) toast(result.error || "Could not send");
}

function wireComposer(formId, inputId, threadTs) {
  const input = $(inputId);
  $(formId).addEventListener("submit", (event) => { event.preventDefault(); send(input, threadTs()); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(input, threadTs()); }
  });
}

// ----- interactive elements ---------------------------------------------------------------
function rawValue(el) {
  const kind = el.dataset.kind;
  if (kind === "checkboxes" || kind === "radio_buttons") {
    return [...el.querySelectorAll("input:checked")].map((i) => i.value);
  }
  if (el.tagName === "SELECT" && el.multiple) return [...el.selectedOptions].map((o) => o.value);
  if (kind === "button") return el.dataset.value ?? null;
  return el.value;
}

function askConfirm(spec) {
  return new Promise((resolve) => {
    const overlay = $("confirm-overlay");
    overlay.replaceChildren();
    const box = document.createElement("div");
    box.className = "modal confirm";
    const header = document.createElement("div");
    header.className = "modal-header";
    header.textContent = spec.title || "Are you sure?";
    const text = document.createElement("div");
    text.className = "confirm-text";
    text.textContent = spec.text || "";
    const footer = document.createElement("div");
    footer.className = "modal-footer";
    const deny = document.createElement("button");
    deny.type = "button"; deny.className = "bk-button confirm-deny"; deny.textContent = spec.deny || "Cancel";
    const ok = document.createElement("button");
    ok.type = "button"; ok.className = "bk-button bk-button-primary confirm-ok"; ok.textContent = spec.confirm || "Confirm";
    footer.append(deny, ok);
    box.append(header, text, footer);
    overlay.append(box);
    overlay.hidden = false;
    const done = (answer) => { overlay.hidden = true; resolve(answer); };
    deny.addEventListener("click", () => done(false));
    ok.addEventListener("click", () => done(true));
  });
}

async function fireAction(el) {
  const inModal = el.closest("[data-view-id]");
  const row = el.closest(".message");
  if (el.dataset.confirm && !(await askConfirm(JSON.parse(el.dataset.confirm)))) return;
  if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
  const body = {
    user: state.me,
    block_id: el.dataset.blockId,
    action_id: el.dataset.actionId,
    value: rawValue(el),
  };
  if (inModal) {
    body.view_id = inModal.dataset.viewId;
  } else if (row) {
    body.channel = row.dataset.channel;
    body.message_ts = row.dataset.ts;
    body.ephemeral = row.dataset.ephemeral === "true";
  }
  if (el.tagName === "BUTTON") el.disabled = true;
  followWhatComes();
  try {
    const result = await api("/playground/action", body);
    if (!result.ok) toast(result.error || "The app did not accept the action");
  } finally {
    if (el.tagName === "BUTTON") setTimeout(() => { el.disabled = false; }, 300);
    if (el.dataset.kind === "overflow") el.value = "";
  }
}

function isFormInput(el) {
  return Boolean(el.closest(".bk-input"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.bk-element[data-kind='button']");
  if (button && !isFormInput(button)) { event.preventDefault(); fireAction(button); }
});

document.addEventListener("click", (event) => {
  const mention = event.target.closest(".channel-mention[data-channel-id]");
  if (mention && state.channels.some((c) => c.id === mention.dataset.channelId)) {
    event.preventDefault();
    openChannel(mention.dataset.channelId);
  }
});

document.addEventListener("change", (event) => {
  const el = event.target.closest(".bk-element");
  if (!el || el.dataset.kind === "button" || el.dataset.kind === "plain_text_input") return;
  if (isFormInput(el)) return; // collected on submit
  fireAction(el);
});

// ----- modals -----------------------------------------------------------------------------
async function loadModal() {
  const asked = state.me;
  const data = await api(`/playground/modal?user=${encodeURIComponent(asked)}`);
  if (asked !== state.me) return;
  const overlay = $("modal-overlay");
  const view = data.view;
  if (!view) {
    state.view = null;
    overlay.hidden = true;
    overlay.replaceChildren();
    return;
  }
  const fresh = !state.view || state.view.id !== view.id || state.view.hash !== view.hash;
  if (fresh) {
    overlay.innerHTML = view.html; // server-rendered, escaped
    overlay.hidden = false;
    wireModal(overlay.querySelector("form.modal"));
  }
  state.view = view;
  const errors = view.errors || {};
  if (fresh || Object.keys(errors).length) showErrors(errors);
}

function collectValues(form) {
  const values = {};
  for (const el of form.querySelectorAll(".bk-input .bk-element")) {
    const blockId = el.dataset.blockId;
    values[blockId] = values[blockId] || {};
    values[blockId][el.dataset.actionId] = rawValue(el);
  }
  return values;
}

function showErrors(errors) {
  const form = document.querySelector("#modal-overlay form.modal");
  if (!form) return;
  for (const box of form.querySelectorAll(".bk-error")) {
    const message = errors[box.dataset.errorFor];
    box.textContent = message || "";
    box.hidden = !message;
    box.closest(".bk-input").classList.toggle("has-error", Boolean(message));
  }
  let general = form.querySelector(".modal-general-error");
  const unplaced = Object.keys(errors).filter((k) => !form.querySelector(`.bk-error[data-error-for="${CSS.escape(k)}"]`));
  if (unplaced.length) {
    if (!general) {
      general = document.createElement("div");
      general.className = "modal-general-error";
      form.querySelector(".modal-footer").before(general);
    }
    general.textContent = unplaced.map((k) => `${k}: ${errors[k]}`).join(" · ");
  } else if (general) {
    general.remove();
  }
}

function wireModal(form) {
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector(".modal-submit");
    if (submit) submit.disabled = true;
    followWhatComes();
    try {
      const result = await api("/playground/submit", { user: state.me, view_id: form.dataset.viewId, values: collectValues(form) });
      if (result.errors) showErrors(result.errors);
      else if (!result.ok) toast(result.error || "The app did not accept the form");
      else await loadModal();
    } finally {
      if (submit) submit.disabled = false;
    }
  });
  const close = async () => {
    await api("/playground/close", { user: state.me, view_id: form.dataset.viewId });
    await loadModal();
  };
  for (const button of form.querySelectorAll(".modal-close, .modal-x")) button.addEventListener("click", close);
}

// ----- warnings and narration -------------------------------------------------------------
// One banner for all warnings: the newest, a count, the full list on demand and "Clear all",
// which the server remembers so a reload does not bring cleared warnings back.
function setWarnings(list) {
  state.warnings = list.slice();
  renderWarnings();
}

function addWarning(text) {
  state.warnings.push(text);
  renderWarnings();
}

function renderWarnings() {
  const box = $("warnings");
  const count = state.warnings.length;
  const open = Boolean(box.querySelector(".warning-list:not([hidden])"));
  box.replaceChildren();
  if (!count) return;
  const banner = document.createElement("div");
  banner.className = "warning-banner";
  banner.setAttribute("role", "alert");
  const icon = document.createElement("span");
  icon.textContent = "⚠️";
  const body = document.createElement("div");
  body.className = "warning-body";
  const summary = document.createElement("span");
  summary.className = "warning-count";
  summary.textContent = count === 1 ? "1 warning" : `${count} warnings`;
  const latest = document.createElement("span");
  latest.className = "warning-text";
  latest.textContent = `Slack would object: ${state.warnings[count - 1]}`;
  const list = document.createElement("ol");
  list.className = "warning-list";
  list.hidden = !open;
  for (const text of state.warnings) {
    const item = document.createElement("li");
    item.textContent = text;
    list.append(item);
  }
  body.append(summary, latest, list);
  banner.append(icon, body);
  if (count > 1) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "warning-toggle";
    toggle.textContent = open ? "Hide" : "Show all";
    toggle.addEventListener("click", () => {
      list.hidden = !list.hidden;
      toggle.textContent = list.hidden ? "Show all" : "Hide";
    });
    banner.append(toggle);
  }
  const clear = document.createElement("button");
  clear.type = "button";
  clear.className = "warning-clear";
  clear.textContent = "Clear all";
  clear.setAttribute("aria-label", "Clear all warnings");
  clear.addEventListener("click", async () => {
    const result = await api("/playground/warnings/clear", { user: state.me });
    if (result.ok) setWarnings([]);
  });
  banner.append(clear);
  box.append(banner);
}

function narrate(text) {
  const bar = $("narration");
  $("narration-text").textContent = text || "";
  bar.hidden = !text;
}

// ----- live updates -----------------------------------------------------------------------
const refresh = {
  timers: {},
  soon(name, fn) {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(fn, 60);
  },
};

function onEvent(event) {
  const kind = event.type;
  if (kind === "warning") { addWarning(event.text); return; }
  if (kind === "warnings_cleared") { setWarnings([]); return; }
  if (kind === "narration") { narrate(event.text); return; }
  if (["channel_created", "channel_updated", "member_joined", "dm_opened", "user_added"].includes(kind)) {
    refresh.soon("state", async () => { await loadState(); loadChannel(); });
    return;
  }
  if (kind === "home_published") {
    if (event.user === state.me) refresh.soon("home", loadHome);
    return;
  }
  if (kind.startsWith("view_")) {
    if (!event.user || event.user === state.me) refresh.soon("modal", loadModal);
    return;
  }
  if (kind.startsWith("message_") || kind.startsWith("ephemeral_") || kind.startsWith("reaction") || kind.startsWith("pin")) {
    if (kind.startsWith("ephemeral_") && event.user && event.user !== state.me) return;
    const channel = event.channel;
    if (channel === state.current) refresh.soon("channel", loadChannel);
    else if (channel && kind === "message_posted") {
      state.unread[channel] = (state.unread[channel] || 0) + 1;
      renderSidebar();
    }
    if (state.thread && channel === state.thread.channel) refresh.soon("thread", loadThread);
  }
}

function connect() {
  const source = new EventSource("/playground/events");
  const status = $("connection");
  source.onopen = () => {
    status.textContent = "live";
    status.className = "connection live";
    refresh.soon("state", async () => { await loadState(); loadChannel(); loadModal(); });
  };
  source.onerror = () => { status.textContent = "reconnecting…"; status.className = "connection down"; };
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
}

// ----- test alerts: posted through the bot's real /alerts/<source> endpoint with the playground's token --
function wireTestAlert() {
  const form = $("test-alert-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form).entries());
    const result = await api("/playground/alert", { user: state.me, ...fields });
    toast(result.ok
      ? `Test alert ${fields.name} (${fields.status}) accepted by /alerts/${fields.source}`
      : `Test alert refused: ${result.error}`);
  });
}

// ----- start ------------------------------------------------------------------------------
async function start() {
  await loadState();
  $("user-switcher").addEventListener("change", async (event) => {
    state.me = event.target.value;
    localStorage.setItem("playground.user", state.me);
    state.view = null;
    await loadState();
    closeThread();
    await Promise.all([loadChannel(), loadModal()]);
  });
  $("thread-close").addEventListener("click", closeThread);
  $("home-entry").addEventListener("click", () => openChannel(HOME));
  for (const id of ["messages", "thread-messages"]) {
    for (const kind of ["wheel", "touchmove"]) $(id).addEventListener(kind, () => { state.follow = null; }, { passive: true });
  }
  wireComposer("composer", "composer-input", () => null);
  wireTestAlert();
  wireComposer("thread-composer", "thread-input", () => (state.thread ? state.thread.ts : null));
  await Promise.all([loadChannel(), loadModal()]);
  connect();
  document.body.dataset.ready = "true";
}

start();
