// The web pages in a real browser (Debian's chromium driven by
// playwright-core) against a running `catalog-server serve` with harvested
// catalogs. Run by tests/tests/web_pages.rs, which starts the server:
//   BASE_URL=http://127.0.0.1:PORT node --test web/tests/pages.test.mjs
// Optional: CHROMIUM (default /usr/bin/chromium), SCREENSHOTS (folder for a
// screenshot of each page type), MEASURE (file for the measured budgets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOTS;
const MEASURE = process.env.MEASURE;
assert.ok(BASE, 'BASE_URL must name the running server');

let browser;
let context;
const consoleErrors = [];
const measured = {};

async function api(path) {
  const r = await fetch(BASE + path, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

async function newPage() {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

async function hitIds(page) {
  return page.$$eval('li.hit[data-id]', (els) => els.map((e) => e.getAttribute('data-id')));
}

// The records of a CSV text (RFC 4180 quoting).
function csvRecords(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\n') { record.push(field); records.push(record); record = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || record.length) { record.push(field); records.push(record); }
  return records;
}

async function total(page) {
  return Number(await page.getAttribute('[data-total]', 'data-total'));
}

async function axe(page, what) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`),
    [],
    `axe on ${what}`,
  );
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10000);
});

after(async () => {
  await browser?.close();
  if (MEASURE) writeFileSync(MEASURE, JSON.stringify(measured, null, 1));
  console.log(`measured: ${JSON.stringify(measured)}`);
});

test('first visit: KoliBri loads from the server, compressed JS and CSS within 300 KB', async () => {
  const fresh = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
  fresh.setDefaultTimeout(15000);
  const page = await fresh.newPage();
  const sizes = [];
  page.on('requestfinished', async (req) => {
    const type = req.resourceType();
    if (type === 'script' || type === 'stylesheet') {
      const s = await req.sizes();
      sizes.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize });
    }
  });
  await page.goto(`${BASE}/datasets`, { waitUntil: 'networkidle' });
  await page.waitForFunction(() => customElements.get('kol-badge') !== undefined, null, { timeout: 15000 });
  await page.waitForLoadState('networkidle');
  for (const s of sizes) assert.ok(s.url.startsWith(BASE), `loaded from elsewhere: ${s.url}`);
  const bytes = sizes.reduce((a, s) => a + s.bytes, 0);
  const cached = await fetch(sizes[0].url);
  assert.equal(cached.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.ok(bytes <= 300 * 1024, `first visit transferred ${bytes} bytes of JS and CSS`);
  measured.first_visit_js_css_bytes = bytes;
  measured.first_visit_files = sizes.length;
  await fresh.close();
});

test('server render time of the search page (Server-Timing), p99', async () => {
  const all = await api('/api/search?size=0&facet_size=20');
  const words = ['daten', 'haushalt', 'wasser', 'bevölkerung', 'verkehr', 'schule', 'karte', 'umwelt', ''];
  const themes = all.facets.theme.map((t) => t.value);
  const times = [];
  for (let i = 0; i < 400; i++) {
    const params = new URLSearchParams();
    params.set('q', words[i % words.length]);
    if (i % 3 === 1 && themes.length) params.set('theme', themes[i % themes.length]);
    if (i % 4 === 2) params.set('sort', 'title');
    if (i % 5 === 3) params.set('page', '2');
    const r = await fetch(`${BASE}/datasets?${params}`, { headers: { accept: 'text/html' } });
    await r.text();
    const m = /render;dur=([0-9.]+)/.exec(r.headers.get('server-timing') || '');
    assert.ok(m, 'Server-Timing header');
    times.push(Number(m[1]));
  }
  times.sort((a, b) => a - b);
  const p99 = times[Math.floor(times.length * 0.99) - 1];
  const p50 = times[Math.floor(times.length * 0.5)];
  measured.search_render_ms = { p50, p99, requests: times.length, datasets: all.total };
  // The budget is 30 ms at 100,000 datasets (BENCHMARKS.md); CI shares two
  // cores with other work, so the test fails only far beyond it.
  assert.ok(p99 <= 100, `p99 ${p99} ms`);
});

test('the pages work without JavaScript', async () => {
  const nojs = await browser.newContext({ javaScriptEnabled: false, locale: 'de-DE' });
  nojs.setDefaultTimeout(10000);
  const page = await nojs.newPage();
  await page.goto(`${BASE}/`);
  await page.fill('#q', 'daten');
  await page.press('#q', 'Enter');
  await page.waitForURL(/\/datasets\?/);
  const expected = await api('/api/search?q=daten');
  assert.equal(await total(page), expected.total);
  assert.ok((await page.textContent('li.hit h3')).length > 0);
  await nojs.close();
});

test('search narrowed by two facets equals /api/search; paging and sort too', async () => {
  const all = await api('/api/search?size=0&facet_size=50');
  const source = all.facets.source[0].value;
  const narrowed = await api(`/api/search?size=0&source=${encodeURIComponent(source)}`);
  const format = narrowed.facets.format.find((f) => f.count < narrowed.total) || narrowed.facets.format[0];
  const page = await newPage();
  await page.goto(`${BASE}/datasets`);
  await page.click(`a[data-facet="source"][data-value="${source}"]`);
  await page.waitForURL(/source=/);
  await page.click(`a[data-facet="format"][data-value="${format.value}"]`);
  await page.waitForURL(/format=/);
  const params = `source=${encodeURIComponent(source)}&format=${encodeURIComponent(format.value)}`;
  const expected = await api(`/api/search?${params}`);
  assert.ok(expected.total > 0);
  assert.equal(await total(page), expected.total, 'total');
  assert.deepEqual(await hitIds(page), expected.hits.map((h) => h.id), 'first ten');
  // Removing a chip removes that filter only.
  assert.equal(await page.locator('.chip').count(), 2);
  await shot(page, 'search');
  await axe(page, 'the search page');

  // Sort by title.
  await page.selectOption('#sort', 'title');
  await page.click('.sort-form button');
  await page.waitForURL(/sort=title/);
  const byTitle = await api(`/api/search?${params}&sort=title`);
  assert.deepEqual(await hitIds(page), byTitle.hits.map((h) => h.id), 'sorted by title');

  // Paging over all datasets.
  await page.goto(`${BASE}/datasets?sort=title`);
  await page.click('a[rel="next"]');
  await page.waitForURL(/page=2/);
  const second = await api('/api/search?sort=title&page=2');
  assert.deepEqual(await hitIds(page), second.hits.map((h) => h.id), 'page 2');
  await page.click('a[rel="prev"]');
  await page.waitForURL((u) => !u.search.includes('page='));
  const first = await api('/api/search?sort=title');
  assert.deepEqual(await hitIds(page), first.hits.map((h) => h.id), 'page 1');

  // Removing the source chip keeps the format filter.
  await page.goto(`${BASE}/datasets?${params}`);
  await page.click('.chip[data-filter="source"]');
  await page.waitForURL((u) => !u.search.includes('source='));
  const formatOnly = await api(`/api/search?format=${encodeURIComponent(format.value)}`);
  assert.equal(await total(page), formatOnly.total);
  await page.close();
});

test('the bounding-box fields filter like bbox', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/datasets`);
  await page.fill('#bbox-west', '5');
  await page.fill('#bbox-south', '47');
  await page.fill('#bbox-east', '15');
  await page.fill('#bbox-north', '55');
  await page.click('.bbox-form button');
  await page.waitForURL(/west=5/);
  const expected = await api('/api/search?bbox=5,47,15,55');
  assert.ok(expected.total > 0, 'datasets in Germany');
  assert.equal(await total(page), expected.total);
  assert.deepEqual(await hitIds(page), expected.hits.map((h) => h.id));
  await page.close();
});

test('the map sets the area fields, by keyboard', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/datasets`);
  await page.waitForSelector('#bbox-map.leaflet-container');
  await page.waitForSelector('#bbox-map img.leaflet-tile-loaded');
  assert.equal(await page.inputValue('#bbox-west'), '', 'no area until the map is moved');
  // The configured attribution is shown as text, not markup.
  assert.match(await page.textContent('#bbox-map .leaflet-control-attribution'), /Testserver <loopback>/);
  await page.focus('#bbox-map');
  await page.keyboard.press('Equal');
  await page.waitForFunction(() => document.getElementById('bbox-west').value !== '');
  const corner = async (name) => Number(await page.inputValue(`#bbox-${name}`));
  const [w, s, e, n] = [await corner('west'), await corner('south'), await corner('east'), await corner('north')];
  assert.ok(w < e && s < n, `an area: ${[w, s, e, n]}`);
  assert.ok(w > 0 && e < 25 && s > 40 && n < 60, `zoomed into Germany: ${[w, s, e, n]}`);
  await page.click('.bbox-form button');
  await page.waitForURL(/west=/);
  const expected = await api(`/api/search?bbox=${w},${s},${e},${n}`);
  assert.equal(await total(page), expected.total);
  // The chosen area is drawn on the map of the answer.
  await page.waitForSelector('#bbox-map path.leaflet-interactive, #bbox-map path');
  await page.locator('#facet-bbox').scrollIntoViewIfNeeded();
  await shot(page, 'search-map');
  await axe(page, 'the search page with its map');
  await page.close();
});

test('a dataset page shows the stored record', async () => {
  // A dataset with a publisher, keywords and distributions.
  const hits = (await api('/api/search?size=100&sort=title')).hits;
  let record;
  for (const h of hits) {
    const d = await api(`/api/datasets/${h.id}`);
    if (d.publisher && d.keywords.length && d.distributions.length && d.licenses.length) {
      record = d;
      break;
    }
  }
  assert.ok(record, 'a dataset with publisher, keywords, licence and distributions');
  const page = await newPage();
  await page.goto(`${BASE}/datasets/${record.id}`);
  assert.equal((await page.textContent('[data-field="title"]')).trim(), record.title);
  assert.equal((await page.textContent('[data-field="publisher"]')).trim(), record.publisher);
  const keywords = await page.$$eval('[data-field="keywords"] li', (els) => els.map((e) => e.textContent.trim()));
  assert.deepEqual(keywords, record.keywords);
  const licences = await page.$$eval('[data-field="licenses"] [data-iri]', (els) => els.map((e) => e.getAttribute('data-iri')));
  assert.deepEqual(licences, record.licenses);
  assert.equal(await page.locator('table.distributions tbody tr').count(), record.distributions.length);
  assert.equal((await page.textContent('[data-field="page"]')).trim(), record.catalog_record.page);
  if (record.modified) assert.equal((await page.textContent('[data-field="modified"]')).trim(), record.modified);
  if (record.quality) {
    // The score, and what to fix: every metric short of its points, most first.
    assert.equal(Number(await page.textContent('[data-field="quality-score"]')), record.quality.score);
    const fixes = await page.$$eval('ol.fixes li', (els) => els.map((e) => e.getAttribute('data-metric')));
    const short = Object.entries(record.quality.metrics)
      .filter(([, m]) => m.points < m.max)
      .map(([name, m]) => [name, m.max - m.points]);
    assert.deepEqual(new Set(fixes), new Set(short.map(([n]) => n)));
    const lost = fixes.map((n) => short.find(([m]) => m === n)[1]);
    assert.deepEqual(lost, [...lost].sort((a, b) => b - a), 'most points first');
  }
  const ld = JSON.parse(await page.textContent('script[type="application/ld+json"]'));
  assert.equal(ld['@type'], 'Dataset');
  assert.equal(ld.name, record.title);
  // RDF clients still get RDF from the same URL.
  const ttl = await fetch(`${BASE}/datasets/${record.id}`, { headers: { accept: 'text/turtle' } });
  assert.match(ttl.headers.get('content-type'), /text\/turtle/);
  await shot(page, 'dataset');
  await axe(page, 'the dataset page');
  await page.close();
});

test('home page: counts, themes, sources; English by the switch', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  const all = await api('/api/search?size=0');
  assert.equal(Number(await page.textContent('[data-count="datasets"]')), all.total);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  await shot(page, 'home');
  await axe(page, 'the home page');
  await page.click('a[hreflang="en"]');
  await page.waitForURL(/lang=en/);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.goto(`${BASE}/datasets`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the cookie keeps the language');
  await page.goto(`${BASE}/?lang=de`);
  await page.close();
  // The error page (its 404 is the one console error expected: not listened to).
  const missing = await context.newPage();
  const answer = await missing.goto(`${BASE}/datasets/00000000000000000000`);
  assert.equal(answer.status(), 404);
  await axe(missing, 'the error page');
  await missing.close();
});

test('keyboard only: search, result, dataset', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  const focusedId = () => page.evaluate(() => document.activeElement && document.activeElement.id);
  let steps = 0;
  while ((await focusedId()) !== 'q' && steps++ < 20) await page.keyboard.press('Tab');
  assert.equal(await focusedId(), 'q', 'the search field is reached by Tab');
  await page.keyboard.type('daten');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/datasets\?q=daten/);
  const firstHit = await page.getAttribute('li.hit h3 a', 'href');
  steps = 0;
  const focusedHref = () => page.evaluate(() => document.activeElement && document.activeElement.getAttribute('href'));
  while ((await focusedHref()) !== firstHit && steps++ < 40) await page.keyboard.press('Tab');
  assert.equal(await focusedHref(), firstHit, 'the first result is reached by Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname === firstHit);
  assert.ok((await page.textContent('h1')).length > 0);
  await page.close();
});

test('sources: counts, runs, validation grouped by rule, CSV', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/sources`);
  const rows = await page.$$eval('tr[data-source]', (els) =>
    els.map((e) => [e.getAttribute('data-source'), Number(e.querySelector('[data-field="published"]').textContent)]));
  assert.ok(rows.length >= 2, 'every source listed');
  for (const [id, published] of rows) {
    const a = await api(`/api/search?size=0&source=${encodeURIComponent(id)}`);
    assert.equal(published, a.total, `published datasets of ${id}`);
  }
  await shot(page, 'sources');
  await axe(page, 'the sources page');
  const source = process.env.STEWARD_SOURCE;
  await page.goto(`${BASE}/sources/${source}`);
  assert.ok(await page.locator('table.runs tbody tr').count() >= 1, 'the harvest run is listed');
  const groups = await page.locator('table.validation-groups tbody tr').count();
  assert.ok(groups > 0, 'validation results grouped by rule');
  const csv = await (await fetch(`${BASE}/sources/${source}/validation.csv`)).text();
  const records = csvRecords(csv);
  assert.equal(records[0][0], 'record');
  const shown = Number(await page.getAttribute('[data-results]', 'data-results'));
  assert.equal(records.length - 1, shown, 'the CSV has every result');
  assert.equal(await page.locator('form[action$="/harvest"]').count(), 0, 'no steward controls for the public');
  // The source's quality: mean and bands as the API has them.
  const quality = await api(`/api/sources/${source}/quality`);
  if (quality.scored > 0) {
    assert.equal(await page.textContent('[data-field="quality-mean"]'), quality.mean_score.toFixed(1));
    const bands = await page.$$eval('ul.bands [data-band]', (els) => els.map((e) =>
      [e.getAttribute('data-band'), Number(e.parentElement.querySelector('[data-field="band-count"]').textContent)]));
    assert.deepEqual(Object.fromEntries(bands), quality.bands);
    assert.ok(await page.locator('table.quality-trend tbody tr').count() >= 1, 'the trend has the run');
  }
  await shot(page, 'source');
  await axe(page, 'a source page');
  // Quality per publisher: every publisher of the search facet, with its count.
  await page.goto(`${BASE}/quality`);
  const facet = (await api('/api/search?size=0&facet_size=10000')).facets.publisher;
  const listed = await page.$$eval('tr[data-publisher]', (els) => els.map((e) =>
    [e.getAttribute('data-publisher'), Number(e.querySelector('[data-field="datasets"]').textContent.split(' ')[0])]));
  assert.deepEqual(Object.fromEntries(listed), Object.fromEntries(facet.map((f) => [f.value, f.count])));
  await shot(page, 'quality');
  await axe(page, 'the quality page');
  await page.close();
});

test('validate page with a real catalog file', async () => {
  const file = process.env.VALIDATE_FILE;
  const page = await newPage();
  await page.goto(`${BASE}/validate`);
  await page.setInputFiles('#file', file);
  await page.selectOption('#profile', 'dcat-ap-de-3');
  await page.click('form[action="/validate"] button[type="submit"]');
  await page.waitForSelector('section.report');
  const { readFileSync } = await import('node:fs');
  const r = await fetch(`${BASE}/api/validate?profile=dcat-ap-de-3`, { method: 'POST', body: readFileSync(file), headers: { 'content-type': 'text/turtle' } });
  const expected = await r.json();
  assert.equal(Number(await page.textContent('[data-field="violations"]')), expected.violations);
  assert.equal(Number(await page.textContent('[data-field="warnings"]')), expected.warnings);
  const nodes = new Set(expected.results.map((x) => x.focus_node));
  assert.equal(await page.locator('section.focus-node').count(), nodes.size, 'grouped by focus node');
  await shot(page, 'validate');
  await axe(page, 'the validate page with a report');
  await page.close();
});

test('SPARQL in the browser: examples and a results table; the protocol unchanged', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/sparql`);
  await axe(page, 'the SPARQL page');
  await page.click('nav.facet a >> nth=0');
  await page.waitForSelector('table.sparql-results');
  const shown = Number(await page.textContent('table.sparql-results tbody td'));
  const query = await page.inputValue('#query');
  const r = await fetch(`${BASE}/sparql?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/sparql-results+json' } });
  assert.match(r.headers.get('content-type'), /sparql-results\+json/);
  const j = await r.json();
  assert.equal(shown, Number(j.results.bindings[0].datasets.value));
  await shot(page, 'sparql');
  await axe(page, 'the SPARQL results');
  await page.close();
});

test('stewards: login, own source only, CSRF required', async () => {
  const own = process.env.STEWARD_SOURCE;
  const foreign = process.env.FOREIGN_SOURCE;
  const steward = await browser.newContext({ locale: 'de-DE' });
  steward.setDefaultTimeout(10000);
  const page = await steward.newPage();
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${BASE}/login`);
  await axe(page, 'the login page');
  await page.fill('#token', 'x'.repeat(40));
  await page.click('form[action="/login"] button');
  assert.match(await page.textContent('.message'), /Token/, 'a wrong token is refused');
  await page.goto(`${BASE}/login`);
  await page.fill('#token', process.env.STEWARD_TOKEN);
  await page.click('form[action="/login"] button');
  await page.waitForURL((u) => u.pathname === `/sources/${own}`);
  const cookies = await steward.cookies();
  const login = cookies.find((c) => c.name === 'login');
  assert.ok(login && login.httpOnly && login.sameSite === 'Strict', 'HttpOnly, SameSite=Strict login cookie');
  const csrf = cookies.find((c) => c.name === 'csrf').value;
  // The steward's own source: harvest now.
  await page.click(`form[action="/sources/${own}/harvest"] button`);
  await page.waitForURL(/queued=/);
  assert.ok((await page.textContent('[role="status"]')).length > 0);
  // A foreign source is refused, even with the CSRF token.
  const refused = await steward.request.post(`${BASE}/sources/${foreign}/harvest`, { form: { csrf }, maxRedirects: 0 });
  assert.equal(refused.status(), 403, 'a foreign source');
  await page.goto(`${BASE}/sources/${foreign}`);
  assert.equal(await page.locator('form[action$="/harvest"]').count(), 0, 'no controls for a foreign source');
  // A post without the CSRF token is refused.
  const noToken = await steward.request.post(`${BASE}/sources/${own}/preview`, { form: {}, maxRedirects: 0 });
  assert.equal(noToken.status(), 403, 'no CSRF token');
  const wrongToken = await steward.request.post(`${BASE}/sources/${own}/preview`, { form: { csrf: '0'.repeat(32) }, maxRedirects: 0 });
  assert.equal(wrongToken.status(), 403, 'a wrong CSRF token');
  // The preview is the steward's.
  await page.goto(`${BASE}/sources/${own}`);
  await page.click(`form[action="/sources/${own}/preview"] button`);
  await page.waitForSelector('table.preview');
  assert.ok(await page.locator('table.preview tbody tr').count() > 0);
  await axe(page, 'the preview page');
  // Logged out, the actions need a login again.
  await page.goto(`${BASE}/login`);
  await page.click('form[action="/logout"] button');
  await page.waitForURL(`${BASE}/`);
  const anonymous = await steward.request.post(`${BASE}/sources/${own}/harvest`, { form: { csrf }, maxRedirects: 0 });
  assert.equal(anonymous.status(), 401, 'after logout');
  await steward.close();
});

test('no errors in the browser console', () => {
  assert.deepEqual(consoleErrors, []);
});
