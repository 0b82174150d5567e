// Small DOM helpers shared by the card renderers and the page. Every text goes into the DOM
// as a text node: nothing from a card or a message is ever parsed as HTML.
"use strict";

const U = (() => {
  // h builds an element: h("div", {class: "x", onclick: fn}, child, "text", …).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

  // decode turns the HTML entities Feishu markdown uses as escapes (&#42; for *) into text.
  function decode(s) {
    return s.replace(/&(#\d+|#[xX][0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);/g, (m, e) => {
      if (e[0] !== "#") return NAMED[e];
      const n = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      try { return String.fromCodePoint(n); } catch { return m; }
    });
  }

  // inline parses one run of inline markup with rules [[regexp anchored at ^, make(match)]].
  // Text between matches is entity-decoded only after parsing, so an escaped "&#42;" never
  // turns into emphasis. A newline becomes <br>.
  function inline(s, rules, starts) {
    const frag = document.createDocumentFragment();
    let buf = "";
    const flush = () => {
      if (buf) frag.append(document.createTextNode(decode(buf)));
      buf = "";
    };
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === "\n") {
        flush();
        frag.append(document.createElement("br"));
        i++;
        continue;
      }
      if (starts.includes(c)) {
        const rest = s.slice(i);
        let hit = null;
        for (const [re, make] of rules) {
          const m = re.exec(rest);
          if (m) { hit = [m, make]; break; }
        }
        if (hit) {
          flush();
          frag.append(hit[1](hit[0]));
          i += hit[0][0].length;
          continue;
        }
      }
      buf += c;
      i++;
    }
    flush();
    return frag;
  }

  // safeURL keeps http(s) links only.
  function safeURL(u) {
    try {
      const url = new URL(U.decode(u), location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch { return null; }
  }

  // Every time on the page is Beijing time (Asia/Shanghai, UTC+8 without daylight saving
  // since 1991), as the cards show it, whatever the browser's own zone: the team and the
  // vendors read the same clock.
  const SHANGHAI = 8 * 3600 * 1000;
  const DAY = 24 * 3600 * 1000;
  const pad = (n) => String(n).padStart(2, "0");

  // clock is a message's or a note's time: "14:05" today, "昨天 14:05", "12月3日 14:05" this
  // year, "2024年12月3日 14:05" before.
  function clock(ms, now = Date.now()) {
    const t = new Date(ms + SHANGHAI); // read with the UTC getters
    const hm = pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
    const days = Math.floor((now + SHANGHAI) / DAY) - Math.floor((ms + SHANGHAI) / DAY);
    if (days === 0) return hm;
    if (days === 1) return "昨天 " + hm;
    const md = (t.getUTCMonth() + 1) + "月" + t.getUTCDate() + "日 " + hm;
    return t.getUTCFullYear() === new Date(now + SHANGHAI).getUTCFullYear() ? md : t.getUTCFullYear() + "年" + md;
  }

  // fullTime is the exact time, for a tooltip: "2024-12-03 14:05:09 北京时间".
  function fullTime(ms) {
    const t = new Date(ms + SHANGHAI);
    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) + " " +
      pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) + ":" + pad(t.getUTCSeconds()) + " 北京时间";
  }

  return { h, append, decode, inline, safeURL, clock, fullTime };
})();
