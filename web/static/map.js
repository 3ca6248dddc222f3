// The search page's area filter as a map, only where `[web] tile_url` is
// set (progressive enhancement: the coordinate fields work without it).
// Moving and zooming the map (mouse, touch or keyboard: arrows, + and -)
// writes its visible area into the four fields; the chosen area, if any, is
// drawn. Leaflet is loaded by the page (a deferred script before this one).

const el = document.getElementById('bbox-map');
const L = window.L;
if (el && L) {
  const field = (name) => document.getElementById(`bbox-${name}`);
  const read = (name) => {
    const v = Number.parseFloat((field(name)?.value || '').replace(',', '.'));
    return Number.isFinite(v) ? v : null;
  };
  // The attribution is plain text from the config: escaped for Leaflet,
  // which takes HTML.
  const text = document.createElement('span');
  text.textContent = el.dataset.attribution || '';
  const map = L.map(el, { keyboard: true, zoomSnap: 0.5 });
  L.tileLayer(el.dataset.tileUrl, { attribution: text.innerHTML, maxZoom: 18 }).addTo(map);
  const [west, south, east, north] = ['west', 'south', 'east', 'north'].map(read);
  if ([west, south, east, north].every((v) => v !== null)) {
    const chosen = L.latLngBounds([south, west], [north, east]);
    L.rectangle(chosen, { weight: 2, fill: false, interactive: false }).addTo(map);
    map.fitBounds(chosen, { animate: false });
  } else {
    // Germany.
    map.fitBounds([[47.27, 5.87], [55.06, 15.04]], { animate: false });
  }
  const clamp = (v, limit) => Math.max(-limit, Math.min(limit, v)).toFixed(4);
  map.on('moveend', () => {
    const b = map.getBounds();
    field('west').value = clamp(b.getWest(), 180);
    field('south').value = clamp(b.getSouth(), 90);
    field('east').value = clamp(b.getEast(), 180);
    field('north').value = clamp(b.getNorth(), 90);
  });
}
