// A renderer for Feishu card JSON 2.0 as ticketbot's templates produce it
// (templates/feishu/*.json.tmpl): a header with title, subtitle, template colour and text
// tags; markdown; hr; column_set of buttons with confirm dialogs; forms (the reply box, the
// create form) of inputs (single-line, password, multiline_text as a textarea), select_static
// menus and a submit button, whose values go with the submit and whose required ones must be
// filled first; a select_static outside a form with a callback behavior, which calls back as
// soon as an option is chosen, as in Feishu; a table (its columns and rows); a bar chart
// (a VChart bar spec, drawn as grouped bars); note and div for older shapes. Anything else is
// shown as a placeholder naming its tag, so a template change that this page does not know is
// visible.
"use strict";

const FeishuCard = (() => {
  const { h } = U;

  // Feishu markdown: **bold**, *italic*, ~~strike~~, `code`, [text](url), <font color>,
  // <at id=…></at>, <text_tag>, <br>, and &#NN; escapes.
  function markdown(src, people) {
    const rules = [
      [/^\*\*([\s\S]+?)\*\*/, (m) => h("strong", null, run(m[1]))],
      [/^~~([\s\S]+?)~~/, (m) => h("del", null, run(m[1]))],
      [/^\*(?![\s*])([^*\n]+?)\*/, (m) => h("em", null, run(m[1]))],
      [/^`([^`\n]+)`/, (m) => h("code", null, U.decode(m[1]))],
      [/^\[([^\]\n]+)\]\(([^)\s]+)\)/, (m) => {
        const url = U.safeURL(m[2]);
        return url ? h("a", { href: url, target: "_blank", rel: "noopener" }, run(m[1])) : document.createTextNode(U.decode(m[0]));
      }],
      [/^<font\s+color\s*=\s*(['"]?)([\w-]+)\1\s*>([\s\S]*?)<\/font>/i,
        (m) => h("span", { class: "fs-font fs-font-" + m[2].toLowerCase() }, run(m[3]))],
      [/^<at\s+(?:id|user_id|open_id)\s*=\s*(['"]?)([^'"\s>]+)\1\s*>([^<]*)<\/at>/i,
        (m) => mention(m[2], m[3], people)],
      [/^<text_tag\s+color\s*=\s*(['"]?)([\w-]+)\1\s*>([\s\S]*?)<\/text_tag>/i,
        (m) => h("span", { class: "fs-tag fs-tag-" + m[2].toLowerCase() }, run(m[3]))],
      [/^<br\s*\/?>/i, () => h("br")],
    ];
    const run = (s) => U.inline(s, rules, "*~`[<");
    // Line-level: "- item" lists show as bullets; the rest is inline.
    const lines = String(src).split("\n").map((l) => l.replace(/^(\s*)[-*] (?=\S)/, "$1• "));
    return run(lines.join("\n"));
  }

  function mention(id, name, people) {
    const who = id === "all" ? "所有人" : (people && people[id]) || U.decode(name || "") || id;
    return h("span", { class: "fs-at", title: id }, "@" + who);
  }

  // text renders a text message's content: plain text with <at user_id=…>name</at>.
  function text(src, people) {
    const rules = [
      [/^<at\s+(?:id|user_id|open_id)\s*=\s*(['"]?)([^'"\s>]+)\1\s*>([^<]*)<\/at>/i,
        (m) => mention(m[2], m[3], people)],
    ];
    const frag = document.createDocumentFragment();
    // Text messages are not markdown: entities are left as typed.
    const parts = String(src).split(/(<at\s[^>]*>[^<]*<\/at>)/i);
    for (const p of parts) {
      const m = rules[0][0].exec(p);
      if (m && m[0] === p) frag.append(rules[0][1](m));
      else p.split("\n").forEach((line, i) => { if (i) frag.append(h("br")); frag.append(line); });
    }
    return frag;
  }

  function plain(t) {
    return t && typeof t === "object" ? t.content || "" : String(t || "");
  }

  // render draws a card. ctx.onButton(button, formValues, el) is called on a click after
  // any confirm dialog; ctx.onSelect({cmd, name, option}, el) when an option is chosen in a
  // select that calls back; ctx.people maps open_ids to names.
  function render(card, ctx) {
    const root = h("div", { class: "fs-card" });
    if (card.header) root.append(header(card.header));
    const body = h("div", { class: "fs-card-body" });
    const elements = (card.body && card.body.elements) || card.elements || [];
    for (const el of elements) body.append(element(el, ctx, null));
    root.append(body);
    return root;
  }

  function header(hd) {
    const tpl = (hd.template || "default").toLowerCase();
    const tags = (hd.text_tag_list || []).map((t) =>
      h("span", { class: "fs-tag fs-tag-" + (t.color || "neutral").toLowerCase() }, plain(t.text)));
    return h("div", { class: "fs-card-header fs-hd-" + tpl },
      h("div", { class: "fs-hd-row" },
        h("div", { class: "fs-card-title" }, plain(hd.title)),
        tags.length ? h("div", { class: "fs-hd-tags" }, tags) : null),
      hd.subtitle && plain(hd.subtitle) ? h("div", { class: "fs-card-subtitle" }, plain(hd.subtitle)) : null);
  }

  function element(el, ctx, form) {
    switch (el.tag) {
      case "markdown":
      case "lark_md":
        return h("div", { class: "fs-md", style: el.text_align ? { textAlign: el.text_align } : null },
          markdown(el.content || "", ctx.people));
      case "plain_text":
        return h("div", { class: "fs-md" }, el.content || "");
      case "div":
        return h("div", { class: "fs-md" },
          el.text && el.text.tag === "lark_md" ? markdown(el.text.content || "", ctx.people) : plain(el.text));
      case "hr":
        return h("hr", { class: "fs-hr" });
      case "column_set":
        return h("div", { class: "fs-colset" + (el.flex_mode === "flow" ? " fs-flow" : "") },
          (el.columns || []).map((c) => element(c, ctx, form)));
      case "column":
        return h("div", { class: "fs-col" + (autoWidth(el) ? " fs-col-auto" : "") },
          (el.elements || []).map((e) => element(e, ctx, form)));
      case "button":
        return button(el, ctx, form);
      case "form":
        return formContainer(el, ctx);
      case "input":
        return input(el);
      case "select_static":
        return select(el, ctx, form);
      case "note":
        return h("div", { class: "fs-note" }, (el.elements || []).map((e) =>
          e.tag === "lark_md" ? h("span", null, markdown(e.content || "", ctx.people)) : h("span", null, plain(e))));
      case "img":
        return h("div", { class: "fs-img" }, "🖼 " + (plain(el.alt) || "图片"));
      case "table":
        return table(el, ctx);
      case "chart":
        return chart(el);
      default:
        return h("div", { class: "fs-unknown" }, "[" + (el.tag || "?") + "]");
    }
  }

  // table draws a table component: a header of its columns' names, then a row per data row,
  // each cell by its column's data_type (lark_md and markdown as markdown, others as text).
  function table(el, ctx) {
    const cols = el.columns || [];
    const cell = (v, type) => type === "lark_md" || type === "markdown"
      ? markdown(String(v == null ? "" : v), ctx.people) : (v == null ? "" : String(v));
    return h("div", { class: "fs-table-wrap" }, h("table", { class: "fs-table" },
      h("thead", null, h("tr", null, cols.map((c) => h("th", null, plain(c.display_name))))),
      h("tbody", null, (el.rows || []).map((r) => h("tr", null, cols.map((c) =>
        h("td", { class: c.data_type === "number" ? "fs-num" : null }, cell(r[c.name], c.data_type))))))));
  }

  // chart draws a bar chart_spec as groups of bars: one group per value of the first x
  // field, one bar per series, their lengths to scale, with a legend. Another kind of chart
  // is named, not drawn.
  function chart(el) {
    const spec = el.chart_spec || {};
    const data = Array.isArray(spec.data) ? (spec.data[0] || {}) : (spec.data || {});
    const values = data.values || [];
    const xf = Array.isArray(spec.xField) ? spec.xField[0] : spec.xField;
    const yf = spec.yField, sf = spec.seriesField;
    if (spec.type !== "bar" || !xf || !yf) {
      return h("div", { class: "fs-chart fs-chart-other" }, "📊 " + (spec.type || "chart"));
    }
    const series = [...new Set(values.map((v) => sf ? String(v[sf]) : ""))];
    const groups = [...new Set(values.map((v) => String(v[xf])))];
    const max = Math.max(1, ...values.map((v) => Number(v[yf]) || 0));
    return h("div", { class: "fs-chart" },
      groups.map((g) => h("div", { class: "fs-chart-group" },
        h("div", { class: "fs-chart-label" }, g),
        values.filter((v) => String(v[xf]) === g).map((v) => {
          const n = Number(v[yf]) || 0, i = series.indexOf(sf ? String(v[sf]) : "");
          return h("div", { class: "fs-chart-row" },
            h("div", { class: "fs-bar-track" },
              h("div", { class: "fs-bar fs-bar-" + (i % 4), style: { width: (100 * n / max) + "%" }, title: (sf ? v[sf] + ": " : "") + n })),
            h("span", { class: "fs-bar-n" }, String(n)));
        }))),
      sf ? h("div", { class: "fs-chart-legend" }, series.map((s, i) =>
        h("span", null, h("i", { class: "fs-bar-" + (i % 4) }), s))) : null);
  }

  function autoWidth(col) {
    return !col.width || col.width === "auto";
  }

  // cmdOf is the command a button carries: behaviors[].value.cmd (2.0) or value.cmd (1.0).
  function cmdOf(btn) {
    for (const b of btn.behaviors || []) {
      if (b.type === "callback" && b.value && b.value.cmd) return b.value.cmd;
    }
    return btn.value && btn.value.cmd;
  }

  function button(btn, ctx, form) {
    const type = btn.type || "default";
    const cmd = cmdOf(btn);
    const el = h("button", {
      class: "fs-btn fs-btn-" + type + (btn.width === "fill" ? " fs-btn-fill" : ""), type: "button",
      dataset: { cmd: cmd || "" },
    }, plain(btn.text));
    el.addEventListener("click", async () => {
      let values = null;
      if (form && btn.form_action_type === "submit") {
        values = collect(form);
        if (!values) return;
      }
      if (btn.confirm && !(await ctx.confirm(plain(btn.confirm.title), plain(btn.confirm.text)))) return;
      if (cmd) ctx.onButton({ cmd, button: btn }, values, el);
    });
    return el;
  }

  // input draws an input: one line, or a textarea for input_type "multiline_text" (rows
  // high). Its default_value is the control's default, so a redraw can tell what was typed.
  function input(el) {
    const common = {
      class: "fs-input", name: el.name || "", placeholder: plain(el.placeholder),
      required: el.required ? true : null, maxlength: el.max_length || null,
    };
    if (el.input_type === "multiline_text") {
      return h("textarea", { ...common, class: "fs-input fs-textarea", rows: el.rows || 5 }, el.default_value || "");
    }
    return h("input", { ...common, type: el.input_type === "password" ? "password" : "text", value: el.default_value || "" });
  }

  // select draws a select_static: its placeholder is the empty first choice, shown grey like
  // Feishu's. In a form its choice goes with the submit; outside one, a select with a
  // callback behavior sends the choice at once (action.name and action.option).
  function select(el, ctx, form) {
    const initial = el.initial_option || "";
    const cmd = form ? null : cmdOf(el);
    const options = (el.options || []).map((o) =>
      h("option", { value: o.value, selected: o.value === initial ? true : null }, plain(o.text) || o.value));
    // The placeholder cannot be chosen back, as in Feishu.
    const chosen = (el.options || []).some((o) => o.value === initial);
    const placeholder = h("option", { value: "", disabled: true, hidden: true, selected: chosen ? null : true }, plain(el.placeholder));
    const s = h("select", {
      class: "fs-input fs-select", name: el.name || "", required: el.required ? true : null,
      dataset: cmd ? { cmd } : null,
    }, placeholder, options);
    s.addEventListener("change", () => {
      s.classList.remove("fs-invalid");
      if (cmd && s.value !== "" && ctx.onSelect) ctx.onSelect({ cmd, name: el.name || "", option: s.value }, s);
    });
    return s;
  }

  // collect reads a form's inputs and selects, as Feishu sends them in form_value (a select
  // nobody chose is left out); a required one left empty stops the submit, as in Feishu.
  function collect(formEl) {
    const values = {};
    let ok = true;
    for (const input of formEl.querySelectorAll("input[name], textarea[name], select[name]")) {
      const v = input.value.trim();
      input.classList.toggle("fs-invalid", input.required && !v);
      if (input.required && !v) ok = false;
      if (input.tagName === "SELECT" && input.value === "") continue;
      values[input.name] = input.value;
    }
    if (!ok) {
      const first = formEl.querySelector(".fs-invalid");
      if (first) first.focus();
      return null;
    }
    return values;
  }

  function formContainer(el, ctx) {
    const f = h("form", { class: "fs-form", name: el.name || "", onsubmit: (e) => e.preventDefault() });
    for (const child of el.elements || []) f.append(element(child, ctx, f));
    // Enter in the input submits, like the send button.
    f.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target.tagName === "INPUT" && !e.isComposing) {
        e.preventDefault();
        const submit = f.querySelector(".fs-btn[data-cmd]");
        if (submit) submit.click();
      }
    });
    return f;
  }

  // title is a card's one-line summary, for quotes of it.
  function title(card) {
    if (card && card.header) return plain(card.header.title);
    const s = card && card.config && card.config.summary;
    return (s && plain(s)) || "卡片消息";
  }

  return { render, markdown, text, title, cmdOf };
})();
