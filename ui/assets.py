"""The page's stylesheets and script, kept apart from the HTML builders in `render`.

Gradio scopes the app's `css` to its components (every selector gets a `.gradio-container ...
.contain` prefix, and a rule inside `@media` keeps only the prefixed copy), so `CSS` cannot reach
the page around them: Gradio's 32 px page padding, which left the question box 324 px wide on a
390 px phone. `PAGE_CSS` goes into the page's <head> as it is, for that page-level layout only.

Colours are set here rather than taken from the theme's "subdued" and "accent" colours, which
measured 2.56:1 and 2.38:1 on white: every text colour below is at least 4.5:1 (WCAG AA) on the
backgrounds it is used on, in the light and the dark theme (checked by the browser tests).
"""

CSS = """
:root, .light { --c-subdued: #475569; --c-accent: #0f766e; --c-mark: #fff1a8; --c-mark-text: #1e293b;
  --c-warn-bg: #fff8ec; --c-warn-text: #5c3300; --c-warn-border: #d9a04a; --c-flash: #ccfbf1;
  --c-card: #f8fafc; --c-text: #0f172a; --c-info-bg: #eff6ff; --c-info-text: #1e3a8a; --c-info-border: #93c5fd; }
.dark { --c-subdued: #cbd5e1; --c-accent: #5eead4; --c-mark: #6b5a00; --c-mark-text: #fefce8;
  --c-warn-bg: #3a2a10; --c-warn-text: #ffd79a; --c-warn-border: #7a5418; --c-flash: #115e59;
  --c-card: #1e293b; --c-text: #f1f5f9; --c-info-bg: #172554; --c-info-text: #dbeafe; --c-info-border: #1d4ed8; }
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
footer, footer a, footer button { color: var(--c-subdued) !important; }
#corridor-header { padding: 8px 4px 0; }
#corridor-header h1 { font-size: 1.6rem; font-weight: 700; margin: 0; letter-spacing: -0.01em; }
#corridor-header p { margin: 2px 0 0; color: var(--c-subdued); font-size: 1rem; }
#header-row { align-items: center; }
#new-chat { min-height: 44px; max-width: 160px; }
#conversations label { min-height: 44px; }
#k-setting input[type="number"], #k-setting input[type="range"] { min-height: 44px; }
#k-setting .tab-like-container { height: auto; }
button, [role="tab"], input[type="checkbox"] + span, label.selectable { min-height: 44px; }
button { min-width: 44px; }
#chat { height: calc(100vh - 290px) !important; min-height: 380px; }
#chat .message-content, #chat .md { font-size: 1rem; line-height: 1.55; }
#chat .abstain-badge { display: inline-block; margin: 0 0 6px; padding: 1px 9px; border-radius: 999px;
  background: var(--c-warn-bg); color: var(--c-warn-text); border: 1px solid var(--c-warn-border);
  font-size: .85rem; font-weight: 700; }
#chat .info-badge { display: inline-block; margin: 0 0 6px; padding: 1px 9px; border-radius: 999px;
  background: var(--c-info-bg); color: var(--c-info-text); border: 1px solid var(--c-info-border);
  font-size: .85rem; font-weight: 700; }
#chat .answer-note { margin: 6px 0 0; color: var(--c-subdued); font-size: .9rem; }
#chat .answer-list { margin: 0; padding-left: 1.2em; }
#chat .answer-list li { margin: 0 0 4px; }
#chat .refusal { color: var(--c-subdued); font-style: italic; }
#chat a.cite, #sources a, #sources-list a, .viewer a { color: var(--c-accent); font-weight: 700;
  text-decoration: none; }
#chat a.cite { display: inline-block; min-width: 24px; min-height: 24px; text-align: center; }
#chat a.cite:hover, #chat a.cite:focus { text-decoration: underline; }
#chat .copy-text { display: none; }
#chat .icon-button-wrapper.top-panel { display: none !important; }  /* Gradio's "Clear": "New chat" starts over */
#chat .copy-answer { margin-top: 6px; padding: 4px 12px; min-height: 44px; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: transparent; color: var(--c-subdued); font-size: .9rem; }
#chat .answer-sources { margin-top: 8px; font-size: .92rem; }
#chat .answer-sources summary { cursor: pointer; min-height: 44px; display: flex; align-items: center;
  color: var(--c-accent); font-weight: 700; }
#chat .answer-sources ol { list-style: none; padding: 0; margin: 4px 0 0; }
#chat [data-testid="bot"] button, #chat .message-buttons button, #chat button[aria-label] {
  min-width: 44px; min-height: 44px; }
#question textarea { font-size: 1rem; }
#question button.submit-button { min-width: 64px; min-height: 44px; }
.sources { padding: 4px 6px; }
.sources-title { font-size: 1.05rem; font-weight: 700; margin: 4px 0 8px; }
.sources-empty, .turn-question, .source-meta, .source-id, .corpus-line, .status-info { color: var(--c-subdued); }
.turn-question { font-size: .85rem; margin: 0 0 8px; }
.turn-sources { display: none; }
.turn-sources.active { display: block; }
.sources ol, .answer-sources ol { list-style: none; padding: 0; margin: 0; }
.source { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--c-card); color: var(--c-text); scroll-margin-top: 80px; }
.source.flash { outline: 3px solid var(--c-accent); background: var(--c-flash); transition: background .3s; }
.source-head { font-weight: 700; line-height: 1.35; }
.source-n { color: var(--c-accent); margin-right: 2px; }
.source-meta { font-size: .85rem; margin: 2px 0 8px; }
.source blockquote { margin: 0; padding: 0 0 0 10px; border-left: 3px solid var(--c-accent);
  font-size: .92rem; line-height: 1.5; color: var(--c-text); }
mark { background: var(--c-mark) !important; color: var(--c-mark-text) !important; padding: 0 2px; border-radius: 3px; }
.open-source { margin-top: 8px; min-height: 44px; padding: 4px 12px; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: transparent; color: var(--c-accent); font-weight: 700; }
.notice { border-radius: 10px; padding: 10px 12px; border: 1px solid var(--c-warn-border);
  background: var(--c-warn-bg); color: var(--c-warn-text); }
.notice strong { display: block; margin-bottom: 2px; }
.notice-clarify, .notice-language { border-color: var(--c-info-border); background: var(--c-info-bg);
  color: var(--c-info-text); }
.related-title { font-size: .95rem; margin: 14px 0 8px; }
.status { margin: 6px 0; }
.status-ok { color: var(--c-accent); }
.status-error { color: var(--c-warn-text); background: var(--c-warn-bg); padding: 6px 10px; border-radius: 8px; }
.source-table { width: 100%; border-collapse: collapse; font-size: .95rem; }
.source-table caption { text-align: left; color: var(--c-subdued); padding: 4px 0 8px; }
.source-table th, .source-table td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--border-color-primary);
  vertical-align: top; }
.source-table .num { text-align: right; }
.source-id { font-size: .8rem; font-weight: 400; }
.viewer-title { font-size: 1.1rem; margin: 0 0 4px; }
.viewer-text { white-space: pre-wrap; max-height: 60vh; overflow: auto; line-height: 1.55; padding: 8px;
  border: 1px solid var(--border-color-primary); border-radius: 8px; }
#viewer-request { position: absolute !important; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
#corridor-footer { text-align: center; color: var(--c-subdued); font-size: .85rem; padding: 6px 0 0; }
@media (min-width: 769px) { #chat .answer-sources { display: none; } }
#tabs button.selected, #tabs [role="tab"][aria-selected="true"] { color: var(--c-accent) !important; }
@media (max-width: 768px) {
  .main.app, .main.fillable { padding-left: 6px !important; padding-right: 6px !important; }
  #corridor-header { padding-left: 40px; }
  #sources-col { display: none !important; }
  #chat { height: calc(100vh - 250px) !important; min-height: 300px; }
  #corridor-header h1 { font-size: 1.3rem; }
  #corridor-header p { display: none; }
  #header-row { flex-wrap: nowrap !important; }
  .source-table th:nth-child(2), .source-table td:nth-child(2) { display: none; }
}
"""

PAGE_CSS = """
@media (max-width: 768px) {
  .gradio-container .main.app, .gradio-container .main.fillable { padding: 8px 8px 12px !important; }
}
"""

JS = r"""
(() => {
  let held = 0;  // which flashed quote is being kept in view (0: none)
  ["wheel", "touchstart", "keydown"].forEach((kind) => addEventListener(kind, () => held++, {passive: true, capture: true}));
  const flash = (el) => {
    // The quote itself is brought into view (a long card centred may leave it off screen), and kept
    // there for a moment: opening a card grows the chat, and gradio's chat follows growth to its end.
    // The user's next click, wheel or touch ends that (`held` changes).
    const target = el.querySelector("mark") || el;
    const center = () => target.scrollIntoView({block: "center", behavior: "instant"});
    const until = Date.now() + 1000;
    const mine = ++held;
    const keep = () => {
      if (mine !== held) return;
      const r = target.getBoundingClientRect();
      if (r.top < 0 || r.bottom > innerHeight) center();
      if (Date.now() < until) requestAnimationFrame(keep);
    };
    center();
    requestAnimationFrame(keep);
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 2500);
  };
  const wide = () => window.matchMedia("(min-width: 769px)").matches;
  const activate = (turn) => {
    const panel = document.querySelector("#sources .sources");
    if (!panel) return;
    const section = panel.querySelector("#turn-src-" + turn);
    if (!section) return;
    panel.querySelectorAll(".turn-sources.active").forEach((s) => s.classList.remove("active"));
    section.classList.add("active");
  };
  const turnOf = (el) => {
    const answer = el.closest(".answer");
    const m = answer && answer.className.match(/turn-(\d+)/);
    return m ? m[1] : null;
  };
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      const ok = document.execCommand("copy"); area.remove(); return ok;
    }
  };
  document.addEventListener("click", async (event) => {
    held++;  // a click elsewhere (open full source, another citation) takes the scroll over
    const cite = event.target.closest("a.cite");
    if (cite) {
      event.preventDefault();
      const m = cite.getAttribute("href").match(/^#src-(\d+)-(\d+)$/);
      if (!m) return;
      const [, turn, n] = m;
      if (wide()) {
        activate(turn);
        const card = document.getElementById("src-" + turn + "-" + n);
        if (card) flash(card);
      } else {
        const card = document.getElementById("bubble-src-" + turn + "-" + n);
        if (card) { card.closest("details").open = true; flash(card); }
      }
      return;
    }
    const button = event.target.closest("#chat .copy-answer");
    if (button) {
      const text = button.parentElement.querySelector(".copy-text").textContent;
      if (await copy(text)) { button.textContent = "Copied"; setTimeout(() => (button.textContent = "Copy with sources"), 2000); }
      return;
    }
    let open = event.target.closest(".open-source");
    if (open) {
      const of = [...open.classList].find((c) => c.startsWith("of-"));  // a card under an answer: the panel's twin
      if (of) open = document.querySelector("#" + CSS.escape(of.slice(3)) + " .open-source");
      const box = document.querySelector("#viewer-request textarea, #viewer-request input");
      if (!box || !open || !open.dataset.source) return;
      box.value = JSON.stringify({source: open.dataset.source, start: +open.dataset.start, end: +open.dataset.end, t: Date.now()});
      box.dispatchEvent(new Event("input", {bubbles: true}));
      box.dispatchEvent(new Event("change", {bubbles: true}));
      box.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true}));
      return;
    }
    const bot = event.target.closest("#chat .answer");
    if (bot) { const turn = turnOf(bot); if (turn !== null) activate(turn); }
  });
  const label = () => {
    const q = document.querySelector("#question textarea");
    if (q && !q.getAttribute("aria-label")) q.setAttribute("aria-label", "Your question about the corridor");
    const mark = document.getElementById("viewer-mark");
    if (mark && !mark.dataset.seen) { mark.dataset.seen = "1"; mark.scrollIntoView({block: "center"}); }
  };
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
})();
"""
