// The playground page: both group chats and the vendor console, kept live by the demo's
// server-sent events. Every action goes to the demo's API, which posts it to ticketbot
// exactly as Feishu, WeCom or the vendor would; what the page shows is read back from the
// platform and vendor fakes.
"use strict";

(() => {
  const { h } = U;
  const $ = (sel) => document.querySelector(sel);

  // OFFLINE is what the page says when the demo's server cannot be reached: the browser's
  // own words ("Failed to fetch") tell a person nothing.
  const OFFLINE = "无法连接 ticketbot 演示服务，可能已停止。请重新运行 go run ./cmd/ticketbot demo 后刷新页面。";
  const PLATFORM_NAMES = { feishu: "飞书", wecom: "企业微信" };

  let state = null;
  let version = 0;
  let platform = "feishu";
  let replyTo = null; // {platform, id, label}
  let lastVendors = "";
  let lastSuggestions = "";
  const views = new Map(); // message id → {sig, el}, for the platform shown
  const seen = { feishu: 0, wecom: 0 }; // messages read per platform, for the unread dot

  // --- server -------------------------------------------------------------------------

  async function api(path, body) {
    let r;
    try {
      r = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      // fetch rejects only when no answer came: the demo has stopped or is restarting.
      throw new Error(OFFLINE);
    }
    let j = {};
    try { j = await r.json(); } catch { /* not JSON */ }
    if (!r.ok || j.error) throw new Error(j.error || "HTTP " + r.status);
    return j;
  }

  // connect follows the demo's event stream. When the stream drops the page says so and
  // keeps trying: EventSource retries a lost connection by itself, but gives up for good on
  // an answer that is not a stream, so then the page starts a new one.
  function connect() {
    const es = new EventSource("/api/events");
    es.addEventListener("state", (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.version === version) return;
      version = msg.version;
      state = msg.state;
      render();
      // The version drawn, so a test can wait until the page shows a snapshot it read.
      $("#conn").dataset.version = version;
    });
    es.onopen = () => {
      version = 0; // a restarted demo counts its versions from 1 again
      setConn(true);
    };
    es.onerror = () => {
      setConn(false);
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        setTimeout(connect, 3000);
      }
    };
  }

  function setConn(ok) {
    const el = $("#conn");
    el.dataset.ok = ok;
    el.textContent = ok ? "实时连接" : "连接已断开，正在重连…";
    $("#offline").hidden = ok;
  }

  // --- rendering ----------------------------------------------------------------------

  function render() {
    renderChat();
    renderVendors();
    renderSuggestions();
    renderFooter();
  }

  // renderSuggestions draws the chips under the input; the server names them, since some
  // follow the demo's sample tickets.
  function renderSuggestions() {
    const sig = JSON.stringify(state.suggestions || []);
    if (sig === lastSuggestions) return;
    lastSuggestions = sig;
    $("#suggestions").replaceChildren(...(state.suggestions || []).map((s) =>
      h("button", { type: "button", class: "chip", title: s.text, onclick: () => { $("#input").value = s.text; $("#input").focus(); } }, s.label)));
  }

  function people() {
    return {
      [state.me.open_id]: state.me.name,
      [state.me.wecom_user]: state.me.name,
      ou_fake_ticketbot: "ticketbot",
    };
  }

  function renderChat() {
    const box = $("#messages");
    const msgs = state[platform].messages;
    $("#chat-title").textContent = state[platform].name;
    $("#chat-sub").textContent = PLATFORM_NAMES[platform] + " · 3 位成员 · ticketbot 已加入";
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const grew = msgs.length > box.querySelectorAll(".msg").length;

    const keep = new Set();
    let prev = null;
    for (const m of msgs) {
      keep.add(m.id);
      const sig = JSON.stringify(m);
      let v = views.get(m.id);
      if (!v || v.sig !== sig) {
        const el = messageEl(m);
        if (v) {
          carryInputs(v.el, el);
          v.el.replaceWith(el);
        }
        v = { sig, el };
        views.set(m.id, v);
      }
      const want = prev ? prev.nextSibling : box.firstChild;
      if (want !== v.el) box.insertBefore(v.el, want);
      prev = v.el;
    }
    for (const [id, v] of views) {
      if (!keep.has(id)) { v.el.remove(); views.delete(id); }
    }
    const welcome = box.querySelector(".welcome");
    if (msgs.length === 0 && !welcome) box.append(welcomeEl());
    if (msgs.length > 0 && welcome) welcome.remove();
    if (grew && atBottom) box.scrollTop = box.scrollHeight;

    seen[platform] = msgs.length;
    for (const p of ["feishu", "wecom"]) {
      const dot = document.querySelector(`.platform-tabs [data-platform=${p}] .unread`);
      dot.hidden = p === platform || state[p].messages.length <= seen[p];
    }
  }

  // carryInputs keeps what someone typed or chose in a card's form when the card is redrawn:
  // a control whose value is no longer the one it was drawn with takes that value to its twin
  // (the control of the same name). A select that called back with its choice is not carried:
  // the bot has it, and the redrawn card shows what the bot made of it.
  function carryInputs(oldEl, newEl) {
    const focused = oldEl.contains(document.activeElement) ? document.activeElement.name : null;
    for (const c of oldEl.querySelectorAll("input[name], textarea[name], select[name]")) {
      const twin = newEl.querySelector(`${c.tagName}[name="${CSS.escape(c.name)}"]`);
      if (!twin) continue;
      if (changed(c) && !c.dataset.cmd && can(twin, c.value)) twin.value = c.value;
      if (focused === c.name) setTimeout(() => twin.focus(), 0);
    }
  }

  // changed reports whether a control's value is not the one it was drawn with.
  function changed(c) {
    if (c.tagName === "SELECT") return [...c.options].some((o) => o.selected !== o.defaultSelected);
    return c.value !== c.defaultValue;
  }

  // can reports whether a control can hold value: a select only one of its options.
  function can(c, value) {
    return c.tagName !== "SELECT" || [...c.options].some((o) => o.value === value);
  }

  function welcomeEl() {
    return h("div", { class: "welcome" },
      h("div", { class: "welcome-title" }, "这是演示用的「运维值班群」，ticketbot 已在群里。"),
      h("div", null, "点下面的示例或自己输入命令，消息会像真的" + PLATFORM_NAMES[platform] + "一样签名加密后送到 ticketbot 的 webhook。" +
        "右边的供应商后台里已有团队这几天的工单，可以「关注」到群里。"));
  }

  function messageEl(m) {
    const mine = m.from === "me";
    const avatar = h("div", { class: "avatar " + (mine ? "avatar-me" : m.sender === "ticketbot" ? "avatar-bot" : "avatar-robot") },
      mine ? state.me.name.slice(-2) : m.sender === "ticketbot" ? "T" : "机");
    const meta = h("div", { class: "meta" },
      h("span", { class: "sender" }, m.sender),
      mine ? null : h("span", { class: "bot-badge" }, "机器人"),
      h("span", { class: "time", title: U.fullTime(m.at) }, U.clock(m.at)));
    return h("div", { class: "msg " + (mine ? "mine" : "theirs"), dataset: { id: m.id, type: m.type } },
      avatar,
      h("div", { class: "msg-main" }, meta, quoteEl(m), contentEl(m), actionsEl(m)));
  }

  function contentEl(m) {
    if (m.type === "card") {
      const ctx = {
        people: people(),
        confirm: showConfirm,
        onButton: (b, form, el) => click(m.id, b.cmd, form, el),
        onSelect: (s, el) => click(m.id, s.cmd, null, el, { name: s.name, option: s.option }),
      };
      return h("div", { class: "card-wrap" },
        platform === "feishu" ? FeishuCard.render(m.card, ctx) : WeComCard.render(m.card, ctx));
    }
    if (m.type === "markdown") return h("div", { class: "bubble md" }, WeComCard.markdown(m.text, people()));
    if (m.from === "me") return h("div", { class: "bubble" }, h("span", { class: "at-bot" }, "@ticketbot "), lines(m.text));
    return h("div", { class: "bubble" }, platform === "feishu" ? FeishuCard.text(m.text, people()) : lines(m.text));
  }

  function lines(text) {
    return text.split("\n").flatMap((l, i) => (i ? [h("br"), l] : [l]));
  }

  function byID(id) {
    return state[platform].messages.find((x) => x.id === id);
  }

  function summary(m) {
    if (m.type === "card") return (platform === "feishu" ? FeishuCard.title(m.card) : WeComCard.title(m.card));
    const first = (m.text || "").split("\n")[0].replace(/<[^>]+>/g, "").replace(/\*\*/g, "");
    return (m.from === "me" ? m.sender + "：" : "") + (first.length > 40 ? first.slice(0, 40) + "…" : first);
  }

  function quoteEl(m) {
    const parent = m.reply_to && byID(m.reply_to);
    if (!parent) return null;
    return h("div", { class: "quote" }, (platform === "feishu" ? "回复 " : "引用 ") + summary(parent));
  }

  // Threads: in Feishu a ticket card (or a notice in its thread) can be answered in its
  // topic; in WeCom any message of the bot can be quoted.
  function replyable(m) {
    if (m.from === "me") return false;
    if (platform === "wecom") return true;
    const isTicket = (x) => x && x.type === "card" && JSON.stringify(x.card).includes('"cmd":"show ');
    return isTicket(m) || isTicket(m.reply_to && byID(m.reply_to));
  }

  function actionsEl(m) {
    if (!replyable(m)) return null;
    return h("div", { class: "msg-actions" },
      h("button", { type: "button", class: "link", onclick: () => setReply(m) }, platform === "feishu" ? "回复话题" : "引用"));
  }

  function setReply(m) {
    replyTo = m ? { platform, id: m.id, label: (platform === "feishu" ? "回复话题：" : "引用：") + summary(m) } : null;
    $("#reply-chip").hidden = !replyTo;
    if (replyTo) $("#reply-label").textContent = replyTo.label;
    $("#input").focus();
  }

  function renderVendors() {
    const sig = JSON.stringify(state.vendors);
    if (sig === lastVendors) return;
    lastVendors = sig;
    const root = $("#vendors");
    const drafts = {};
    for (const i of root.querySelectorAll("input[data-key]")) drafts[i.dataset.key] = i.value;
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    root.replaceChildren(...state.vendors.map(vendorEl));
    for (const i of root.querySelectorAll("input[data-key]")) {
      if (drafts[i.dataset.key]) i.value = drafts[i.dataset.key];
      if (focused && i.dataset.key === focused) i.focus();
    }
  }

  function vendorEl(v) {
    return h("section", { class: "vendor", dataset: { vendor: v.name } },
      h("div", { class: "vendor-title" },
        h("span", { class: "vendor-logo vendor-" + v.name }, v.label.slice(0, 1)),
        h("span", null, v.label),
        h("span", { class: "count" }, v.tickets.length + " 个工单")),
      v.tickets.length
        ? v.tickets.map((t) => ticketEl(v, t))
        : h("div", { class: "empty" }, "暂无工单。在左边的群里发「建单 " + v.name + " 标题」试试。"));
  }

  function ticketEl(v, t) {
    const key = v.name + ":" + t.id;
    const reply = h("input", { type: "text", placeholder: "以" + v.note_as + "身份回复…", dataset: { key } });
    return h("div", { class: "vticket", dataset: { id: t.id, state: t.state } },
      h("div", { class: "vt-head" },
        h("span", { class: "vt-ref" }, t.ref),
        h("span", { class: "vt-status st-" + (t.state || "other") }, t.status_label)),
      h("div", { class: "vt-title" }, t.title || "（无标题）"),
      h("div", { class: "vt-actions" },
        h("span", { class: "vt-label" }, "改状态"),
        v.actions.map((a) => h("button", {
          type: "button", class: "vt-btn" + (a.id === t.state ? " current" : ""),
          dataset: { action: a.id }, disabled: a.id === t.state,
          onclick: (e) => vendorAct(v, t, a.id, "", e.currentTarget),
        }, a.label))),
      t.notes.length ? h("div", { class: "vt-notes" }, t.notes.map((n) =>
        h("div", { class: "vt-note" },
          h("span", { class: "vt-note-who" }, n.author || "—"),
          n.at ? h("span", { class: "vt-note-at", title: U.fullTime(n.at) }, U.clock(n.at)) : null,
          h("div", { class: "vt-note-text" }, n.text)))) : null,
      h("form", {
        class: "vt-reply",
        onsubmit: async (e) => {
          e.preventDefault();
          const text = reply.value;
          if (!text.trim()) return;
          // Cleared first: the console is redrawn as soon as the vendor has the reply.
          reply.value = "";
          if (!(await vendorAct(v, t, "note", text, e.submitter))) {
            const again = document.querySelector(`#vendors input[data-key="${CSS.escape(key)}"]`);
            if (again && !again.value) again.value = text;
          }
        },
      }, reply, h("button", { type: "submit", class: "vt-send" }, "回复")));
  }

  function renderFooter() {
    const f = $("#footer");
    if (f.dataset.bot === state.bot) return;
    f.dataset.bot = state.bot;
    f.replaceChildren(
      "ticketbot 本体运行在 ", h("code", null, state.bot), "（",
      "管理端口 ", h("code", null, state.admin), "：",
      h("a", { href: state.admin + "/healthz", target: "_blank", rel: "noopener" }, "/healthz"), " · ",
      h("a", { href: state.admin + "/readyz", target: "_blank", rel: "noopener" }, "/readyz"), " · ",
      h("a", { href: state.admin + "/metrics", target: "_blank", rel: "noopener" }, "/metrics"),
      "），和 ", h("code", null, "ticketbot serve"), " 是同一套代码。飞书、企业微信和各供应商都是仓库里的假服务，同样校验签名。");
  }

  // --- actions ------------------------------------------------------------------------

  async function busy(el, fn) {
    if (el) { el.disabled = true; el.classList.add("loading"); }
    try { return await fn(); } catch (e) {
      showToast("error", e.message);
    } finally {
      if (el) { el.disabled = false; el.classList.remove("loading"); }
    }
  }

  // click sends a card's callback: a button's (with its form's values) or a select's choice.
  function click(id, cmd, form, el, select) {
    return busy(el, async () => {
      const r = await api("/api/click", { platform, message_id: id, cmd, form, select });
      if (r.toast && r.toast.content) showToast(r.toast.type, r.toast.content);
    });
  }

  async function send() {
    const input = $("#input");
    const text = input.value.trim();
    if (!text) return;
    const reply = replyTo && replyTo.platform === platform ? replyTo.id : "";
    input.value = "";
    setReply(null);
    const box = $("#messages");
    const ok = await busy($("#send"), async () => {
      await api("/api/say", { platform, text, reply_to: reply });
      return true;
    });
    if (!ok) input.value = text;
    box.scrollTop = box.scrollHeight;
  }

  // vendorAct resolves true once the vendor has taken the action.
  function vendorAct(v, t, action, text, el) {
    return busy(el, async () => {
      await api("/api/vendor", { vendor: v.name, ticket: t.id, action, text });
      const what = action === "note" ? "回复已写入" : "状态已改为「" + (v.actions.find((a) => a.id === action) || {}).label + "」";
      showToast("info", t.ref + " " + what + "，稍后看群里的通知");
      return true;
    });
  }

  // --- toast and confirm ----------------------------------------------------------------

  let toastTimer = 0;
  function showToast(type, text) {
    const el = $("#toast");
    el.className = "toast toast-" + (type || "info");
    el.replaceChildren(h("span", { class: "toast-icon" }, { success: "✓", error: "✕", warning: "!", info: "i" }[type] || "i"), text);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 3000);
  }

  function showConfirm(title, text) {
    const modal = $("#modal");
    $("#modal-title").textContent = title || "确认操作？";
    $("#modal-text").textContent = text || "";
    modal.hidden = false;
    $("#modal-ok").focus();
    return new Promise((resolve) => {
      const done = (ok) => {
        modal.hidden = true;
        $("#modal-ok").onclick = $("#modal-cancel").onclick = modal.onclick = document.onkeydown = null;
        resolve(ok);
      };
      $("#modal-ok").onclick = () => done(true);
      $("#modal-cancel").onclick = () => done(false);
      modal.onclick = (e) => { if (e.target === modal) done(false); };
      document.onkeydown = (e) => { if (e.key === "Escape") done(false); };
    });
  }

  // --- wiring -------------------------------------------------------------------------

  function switchPlatform(p) {
    if (p === platform) return;
    platform = p;
    setReply(null);
    for (const b of document.querySelectorAll(".platform-tabs button")) b.classList.toggle("active", b.dataset.platform === p);
    $("#chat").dataset.platform = p;
    views.clear();
    $("#messages").replaceChildren();
    if (state) renderChat();
    const box = $("#messages");
    box.scrollTop = box.scrollHeight;
  }

  function init() {
    for (const b of document.querySelectorAll(".platform-tabs button")) b.onclick = () => switchPlatform(b.dataset.platform);
    for (const b of document.querySelectorAll(".pane-switch button")) {
      b.onclick = () => {
        document.body.dataset.pane = b.dataset.pane;
        for (const x of document.querySelectorAll(".pane-switch button")) x.classList.toggle("active", x === b);
      };
    }
    $("#send").onclick = send;
    $("#input").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    $("#reply-cancel").onclick = () => setReply(null);
    $("#offline").textContent = OFFLINE;
    connect();
  }

  init();
})();
