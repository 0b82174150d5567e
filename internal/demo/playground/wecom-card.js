// A renderer for WeCom 智能机器人 template cards as ticketbot's templates produce them
// (templates/wecom/ticket.json.tmpl: button_interaction with source, main_title,
// emphasis_content, quote_area, sub_title_text, horizontal_content_list, button_list), and
// for WeCom markdown (bold, > quotes, <font color="info|comment|warning">, <@userid>,
// links). WeCom cards have no confirm dialogs and no forms.
"use strict";

const WeComCard = (() => {
  const { h } = U;

  function markdown(src, people) {
    const rules = [
      [/^\*\*([\s\S]+?)\*\*/, (m) => h("strong", null, inner(m[1]))],
      [/^`([^`\n]+)`/, (m) => h("code", null, U.decode(m[1]))],
      [/^\[([^\]\n]+)\]\(([^)\s]+)\)/, (m) => {
        const url = U.safeURL(m[2]);
        return url ? h("a", { href: url, target: "_blank", rel: "noopener" }, inner(m[1])) : document.createTextNode(U.decode(m[0]));
      }],
      [/^<font\s+color\s*=\s*(['"]?)([\w-]+)\1\s*>([\s\S]*?)<\/font>/i,
        (m) => h("span", { class: "wx-font wx-font-" + m[2].toLowerCase() }, inner(m[3]))],
      [/^<@([^>\s]+)>/, (m) => h("span", { class: "wx-at" }, "@" + ((people && people[m[1]]) || m[1]))],
    ];
    const inner = (s) => U.inline(s, rules, "*`[<");
    // WeCom markdown has no entity escapes: "&" is escaped once, so text shows as written.
    const run = (s) => inner(s.replace(/&/g, "&amp;"));
    const out = document.createDocumentFragment();
    let quote = null;
    for (const line of String(src).split("\n")) {
      const q = /^>\s?(.*)$/.exec(line);
      if (q) {
        if (!quote) out.append((quote = h("div", { class: "wx-md-quote" })));
        else quote.append(h("br"));
        quote.append(run(q[1]));
        continue;
      }
      quote = null;
      const hd = /^(#{1,6})\s+(.*)$/.exec(line);
      if (hd) out.append(h("div", { class: "wx-md-h" + hd[1].length }, run(hd[2])));
      else out.append(h("div", { class: "wx-md-line" }, line ? run(line) : "\u00a0"));
    }
    return out;
  }

  const STYLE = { 1: "primary", 2: "default", 3: "danger", 4: "outline" };

  // render draws a template card; ctx.onButton({cmd}, null, el) is called on a click.
  function render(card, ctx) {
    const c = card || {};
    const root = h("div", { class: "wx-card wx-" + (c.card_type || "card") });
    if (c.source && c.source.desc) {
      root.append(h("div", { class: "wx-source" }, h("span", { class: "wx-source-icon" }, "工"), c.source.desc));
    }
    if (c.main_title) {
      root.append(h("div", { class: "wx-title" }, c.main_title.title || ""));
      if (c.main_title.desc) root.append(h("div", { class: "wx-desc" }, c.main_title.desc));
    }
    if (c.emphasis_content && c.emphasis_content.title) {
      root.append(h("div", { class: "wx-emph" },
        h("div", { class: "wx-emph-title" }, c.emphasis_content.title),
        h("div", { class: "wx-emph-desc" }, c.emphasis_content.desc || "")));
    }
    if (c.quote_area && (c.quote_area.title || c.quote_area.quote_text)) {
      root.append(h("div", { class: "wx-quote" },
        c.quote_area.title ? h("div", { class: "wx-quote-title" }, c.quote_area.title) : null,
        h("div", { class: "wx-quote-text" }, c.quote_area.quote_text || "")));
    }
    if (c.sub_title_text) root.append(h("div", { class: "wx-sub" }, c.sub_title_text));
    if ((c.horizontal_content_list || []).length) {
      root.append(h("div", { class: "wx-rows" }, c.horizontal_content_list.map((r) =>
        h("div", { class: "wx-row" }, h("span", { class: "wx-key" }, r.keyname || ""), h("span", { class: "wx-val" }, r.value || "")))));
    }
    for (const j of c.jump_list || []) {
      const url = j.url && U.safeURL(j.url);
      root.append(url ? h("a", { class: "wx-jump", href: url, target: "_blank", rel: "noopener" }, j.title || url)
        : h("div", { class: "wx-jump" }, j.title || ""));
    }
    if ((c.button_list || []).length) {
      root.append(h("div", { class: "wx-buttons" }, c.button_list.map((b) => {
        const el = h("button", { class: "wx-btn wx-btn-" + (STYLE[b.style] || "default"), type: "button", dataset: { cmd: b.key || "" } }, b.text || "");
        el.addEventListener("click", () => ctx.onButton({ cmd: b.key }, null, el));
        return el;
      })));
    }
    return root;
  }

  function title(card) {
    return (card && card.main_title && card.main_title.title) || "卡片消息";
  }

  return { render, markdown, title };
})();
