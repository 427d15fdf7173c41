/* OpenReview Finder: progressive enhancement only. Without this script the
   form submits with GET, every link works and the server renders every
   state. With it: results as you type, history that back and forward
   restore, recent searches, copying BibTeX, a theme toggle, keyboard
   shortcuts and a live progress banner. */
(function () {
  'use strict';
  var d = document, root = d.documentElement;

  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function save(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }

  // The theme is applied now, while <head> loads, so the page never flashes.
  var theme = load('theme');
  if (theme === 'light' || theme === 'dark') root.setAttribute('data-theme', theme);

  d.addEventListener('DOMContentLoaded', function () {
    themeToggle();
    copyButtons();
    var form = d.getElementById('search'), results = d.getElementById('results');
    if (form && results) searchPage(form, results);
    watchProgress(results);
  });

  function themeToggle() {
    var b = d.getElementById('theme');
    if (!b) return;
    function current() {
      return root.getAttribute('data-theme') ||
        (window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    }
    function mark() { b.setAttribute('aria-pressed', current() === 'dark' ? 'true' : 'false'); }
    mark();
    b.addEventListener('click', function () {
      var next = current() === 'dark' ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      save('theme', next);
      mark();
    });
  }

  function copyButtons() {
    d.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button.copy-bibtex');
      if (!b) return;
      var text = b.getAttribute('data-bibtex') || '';
      b.dataset.label = b.dataset.label || b.textContent;
      function done(msg) {
        b.textContent = msg;
        setTimeout(function () { b.textContent = b.dataset.label; }, 1500);
      }
      function fallback() {
        // No clipboard access: show the text selected, for Ctrl+C.
        var box = b.parentNode.parentNode.querySelector('textarea.copy');
        if (!box) {
          box = d.createElement('textarea');
          box.className = 'copy';
          box.readOnly = true;
          box.setAttribute('aria-label', 'BibTeX');
          box.value = text;
          b.parentNode.after(box);
        }
        box.focus();
        box.select();
        done('Press Ctrl+C');
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done('Copied'); }, fallback);
      } else {
        fallback();
      }
    });
  }

  function searchPage(form, results) {
    var q = form.elements.q, n = form.elements.n, timer = 0, ctl = null;

    // query is the form as a short query string: blanks and defaults left out.
    function query() {
      var p = new URLSearchParams();
      new FormData(form).forEach(function (v, k) {
        v = String(v).trim();
        if (!v || (k === 'mode' && v === 'hybrid') || (k === 'n' && v === n.dataset.default)) return;
        p.append(k, v);
      });
      return p.toString();
    }

    // fill sets the form from a query string (back and forward).
    function fill(search) {
      var p = new URLSearchParams(search);
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        var vals = p.getAll(el.name);
        if (el.type === 'checkbox') {
          el.checked = vals.indexOf(el.value) >= 0;
        } else if (el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = vals.indexOf(o.value) >= 0; });
        } else if (el.tagName === 'SELECT') {
          el.value = vals[0] || el.options[0].value;
        } else if (el.name === 'n') {
          el.value = vals[0] || el.dataset.default;
        } else if (el.tagName === 'INPUT') {
          el.value = vals.join('; ');
        }
      });
    }

    // show swaps the results in, keeping #count itself so screen readers
    // announce its new text.
    function show(html) {
      var t = d.createElement('template'), count = d.getElementById('count');
      t.innerHTML = html;
      var fresh = t.content.getElementById('count');
      if (count && fresh) {
        count.textContent = fresh.textContent;
        fresh.replaceWith(count);
      }
      results.replaceChildren(t.content);
      var s = results.querySelector('.summary');
      if (s && s.dataset.title) d.title = s.dataset.title;
      return s ? s.dataset.state : '';
    }

    // run fetches the results of qs; how is push, replace or none (history).
    function run(qs, how) {
      var more = how === 'replace' && !!run.typing; // still typing the same search
      if (ctl) ctl.abort();
      var mine = ctl = new AbortController();
      var url = qs ? '/?' + qs : '/';
      if (how === 'push') history.pushState({ typing: run.typing }, '', url);
      if (how === 'replace') history.replaceState({ typing: run.typing }, '', url);
      results.setAttribute('aria-busy', 'true');
      fetch('/?' + (qs ? qs + '&' : '') + 'partial=1', { signal: mine.signal })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (mine !== ctl) return;
          results.removeAttribute('aria-busy');
          var state = show(html);
          if (state === 'results' || state === 'none') remember(qs, more);
        })
        .catch(function (e) {
          if (e.name !== 'AbortError') location.assign(url); // let the server render it
        });
    }

    // update runs the form's search. Typing in one box keeps one history
    // entry; any other change adds one.
    function update(field) {
      var qs = query();
      if ('?' + qs === location.search || (!qs && !location.search)) return;
      var typing = history.state && history.state.typing;
      run.typing = field || null;
      run(qs, field && typing === field ? 'replace' : 'push');
    }

    form.addEventListener('input', function (e) {
      var t = e.target;
      if (t.tagName !== 'INPUT' || t.type === 'checkbox') return;
      clearTimeout(timer);
      timer = setTimeout(function () { update(t.name); }, 250);
    });
    form.addEventListener('change', function (e) {
      var t = e.target;
      if (t.tagName === 'SELECT' || t.type === 'checkbox') {
        clearTimeout(timer);
        update(null);
      }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      // Submitting commits the entry: typing afterwards starts a new one.
      run.typing = null;
      var qs = query();
      run(qs, '?' + qs === location.search || (!qs && !location.search) ? 'replace' : 'push');
    });
    window.addEventListener('popstate', function () {
      fill(location.search);
      run(location.search.slice(1), 'none');
    });
    // Links back to this page (more like this, authors, keywords, recent
    // searches) swap the results instead of loading the page.
    d.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('a[href^="/?"], a[href="/"]');
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0 || a.hasAttribute('download')) return;
      e.preventDefault();
      fill(a.search);
      run.typing = null;
      run(a.search.slice(1), 'push');
      window.scrollTo(0, 0);
    });
    d.addEventListener('keydown', function (e) {
      var t = e.target, editing = /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName) || t.isContentEditable;
      if (e.key === '/' && !editing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        q.focus();
        q.select();
      } else if (e.key === 'Escape' && t === q) {
        e.preventDefault();
        if (!q.value) { q.blur(); return; }
        q.value = '';
        clearTimeout(timer);
        update('q');
      }
    });

    if (!n.dataset.default) n.dataset.default = '20';
    renderRecent();
    var s = results.querySelector('.summary');
    if (s && (s.dataset.state === 'results' || s.dataset.state === 'none')) remember(location.search.slice(1), false);
    watchProgress.rerun = function () { run(location.search.slice(1), 'none'); };
  }

  // Recent searches live in localStorage, newest first.
  function recent() {
    try { return JSON.parse(load('recent')) || []; } catch (e) { return []; }
  }

  function remember(qs, replaceTop) {
    if (!qs || /(^|&)similar=/.test(qs)) return;
    var p = new URLSearchParams(qs), parts = [];
    if (p.get('q')) parts.push(p.get('q'));
    ['venue', 'year', 'status', 'author', 'keyword'].forEach(function (k) {
      if (p.getAll(k).length) parts.push(k + ': ' + p.getAll(k).join(', '));
    });
    var list = recent();
    if (replaceTop) list.shift();
    list = list.filter(function (r) { return r.qs !== qs; });
    list.unshift({ qs: qs, label: parts.join(' · ') || qs });
    save('recent', JSON.stringify(list.slice(0, 8)));
    renderRecent();
  }

  function renderRecent() {
    var nav = d.getElementById('recent');
    if (!nav) return;
    var ul = nav.querySelector('ul'), list = recent();
    ul.textContent = '';
    list.forEach(function (r) {
      var li = d.createElement('li'), a = d.createElement('a');
      a.href = '/?' + r.qs;
      a.textContent = r.label;
      li.appendChild(a);
      ul.appendChild(li);
    });
    nav.hidden = list.length === 0;
  }

  // While background tasks run or the index opens, poll /api/status and
  // redraw the banner; once the index is ready, rerun the search.
  function watchProgress(results) {
    var banner = d.getElementById('progress');
    var loading = function () { return results && results.querySelector('[data-state=loading]'); };
    if (!banner || (banner.hidden && !loading())) return;
    var timer = setInterval(function () {
      fetch('/api/status').then(function (r) { return r.json(); }).then(function (s) {
        var tasks = s.progress || [];
        drawProgress(banner, tasks);
        if (s.ready && loading() && watchProgress.rerun) watchProgress.rerun();
        if (s.ready && !tasks.length) clearInterval(timer);
      }).catch(function () { /* try again next tick */ });
    }, 3000);
  }

  function drawProgress(banner, tasks) {
    banner.textContent = '';
    tasks.forEach(function (t) {
      var div = d.createElement('div'), p = d.createElement('p'), b = d.createElement('strong');
      div.className = 'task';
      b.textContent = t.phase;
      p.append(b, ' ' + t.message);
      div.appendChild(p);
      if (t.total > 0) {
        var p2 = d.createElement('p'), bar = d.createElement('progress');
        bar.max = t.total;
        bar.value = t.done;
        p2.append(bar, ' ' + t.done + ' of ' + t.total + ' (' + Math.floor(t.done * 100 / t.total) + '%)' + (t.eta ? ' ' + t.eta : ''));
        div.appendChild(p2);
      }
      banner.appendChild(div);
    });
    banner.hidden = tasks.length === 0;
  }
})();
