/*
 * The Streamlit map element (st.components.v2, no iframe): Leaflet and the
 * Tenglong controls (tenglong.js) are loaded once per browser page from the
 * app's own static files, then TL.mount(map, cfg) draws the map that
 * geo/render.py prepared. A click on a feature sends its properties back as
 * the one-shot trigger value "identify"; a choice in the in-map basemap
 * switcher sends "basemap" (the server redraws the map over it, shifted to
 * GCJ-02 for Gaode); pan and zoom send nothing, except on a viewport-driven map
 * (data.viewport): there the end of a pan or zoom sends "viewport" ({bounds:
 * [west, south, east, north], zoom}, debounced, only when the view changed) and
 * the server answers with what is in view; the rebuilt map keeps the view. In
 * the app the card beside the map shows a clicked feature, so the map opens no
 * popup.
 *
 * Streamlit calls the default export on mount and whenever the data change.
 * The map is rebuilt only when the map itself changes (data.sig); a new
 * centre or zoom, or new bounds to fit (data.view.bounds: a filter result, a
 * parcel picked in the list), only moves the view. With data.edit (the
 * 地块编辑 page only) the editing tools are loaded too (tenglong-edit.js, on
 * leaflet-geoman) and send the drawn geometry as the trigger value "edit".
 * Performance marks: tl-element (the
 * element got its data), tl-assets (Leaflet ready), tl-drawn (map built).
 */
const loading = {};

function load(tag, url) {
  if (!loading[url]) {
    loading[url] = new Promise((resolve, reject) => {
      const el = document.createElement(tag);
      if (tag === "link") {
        el.rel = "stylesheet";
        el.href = url;
      } else {
        el.src = url;
        el.async = false;
      }
      el.onload = () => resolve();
      el.onerror = () => {
        delete loading[url];
        reject(new Error("cannot load " + url));
      };
      document.head.appendChild(el);
    });
  }
  return loading[url];
}

function assets(base) {
  // Stylesheets in parallel; tenglong.js needs Leaflet first.
  load("link", base + "/leaflet.css");
  load("link", base + "/tenglong.css");
  return load("script", base + "/leaflet.js").then(() => load("script", base + "/tenglong.js"));
}

function editAssets(base, tools) {
  // Without the drawing library (edit.tools false) tenglong-edit.js still draws the previews.
  if (tools === false) return load("script", base + "/tenglong-edit.js");
  load("link", base + "/geoman/leaflet-geoman.css");
  return load("script", base + "/geoman/leaflet-geoman.js").then(() => load("script", base + "/tenglong-edit.js"));
}

function destroy(holder) {
  const state = holder.__tl;
  if (!state) return;
  if (state.edit) state.edit.remove();
  window.removeEventListener("tenglong:identify", state.onIdentify);
  const i = window.TL ? window.TL.instances.indexOf(state.inst) : -1;
  if (i >= 0) window.TL.instances.splice(i, 1);
  state.map.remove();
  holder.__tl = null;
}

// The basemap switcher: a button with the current basemap, and the choices
// (those that need a key or URL the server lacks are shown disabled, with why).
function basemapControl(L, data, setTriggerValue) {
  const Ctl = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      const { box, head, body } = window.TL.collapsible("tl-basemaps", "", data.basemapTitle, true, null);
      const current = (data.basemaps || []).find((b) => b.name === data.basemap);
      head.title = data.basemapTitle + ": " + (current ? current.label : data.basemap);
      (data.basemaps || []).forEach((b) => {
        const row = L.DomUtil.create("label", "tl-layer-row tl-basemap-row", body);
        const rb = L.DomUtil.create("input", "", row);
        rb.type = "radio";
        rb.name = "tl-basemap";
        rb.value = b.name;
        rb.checked = b.name === data.basemap;
        rb.disabled = !b.ok;
        const name = L.DomUtil.create("span", "tl-layer-name", row);
        name.textContent = b.label;
        if (!b.ok) {
          row.classList.add("tl-disabled");
          row.title = b.hint || "";
        }
        rb.addEventListener("change", () => {
          if (rb.checked && b.name !== data.basemap) setTriggerValue("basemap", b.name);
        });
      });
      return box;
    },
  });
  return new Ctl();
}

function viewKey(map) {
  const b = map.getBounds();
  const v = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => +x.toFixed(6));
  return { bounds: v, zoom: map.getZoom(), key: v.join(",") + "@" + map.getZoom() };
}

function watchViewport(holder, map, setTriggerValue) {
  let timer = null;
  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const state = holder.__tl;
      if (!state || state.map !== map) return;
      const v = viewKey(map);
      if (v.key === state.sent) return;
      state.sent = v.key;
      setTriggerValue("viewport", { bounds: v.bounds, zoom: v.zoom });
    }, 250);
  });
}

function build(holder, data, setTriggerValue) {
  const L = window.L;
  const map = L.map(holder, {
    center: data.center,
    zoom: data.zoom,
    maxZoom: data.maxZoom,
    zoomControl: true,
  });
  (data.tiles || []).forEach((t) => L.tileLayer(t.url, t.options).addTo(map));
  const inst = window.TL.mount(map, JSON.parse(data.cfg), { popups: false, layersCollapsed: true });
  if (data.basemaps && data.basemaps.length) basemapControl(L, data, setTriggerValue).addTo(map);
  const onIdentify = (e) => {
    if (!e.detail || inst.lastIdentified !== e.detail) return;
    setTriggerValue("identify", e.detail.properties);
  };
  window.addEventListener("tenglong:identify", onIdentify);
  holder.__tl = { sig: data.sig, map: map, inst: inst, onIdentify: onIdentify, view: null };
  if (data.viewport) watchViewport(holder, map, setTriggerValue);
}

export default function ({ data, parentElement, setTriggerValue }) {
  let holder = parentElement.querySelector(".tl-holder");
  if (!holder) {
    holder = document.createElement("div");
    holder.className = "tl-holder";
    holder.style.width = "100%";
    parentElement.appendChild(holder);
  }
  // A number of pixels, or a CSS length such as "max(480px, calc(100vh - 220px))".
  holder.style.height = typeof data.height === "number" ? data.height + "px" : data.height;
  performance.mark("tl-element");
  let alive = true;
  assets(data.assets)
    .then(() => (data.edit ? editAssets(data.assets, data.edit.tools) : null))
    .then(() => {
      if (!alive) return;
      const state = holder.__tl;
      // A viewport-driven map answered with what is in view: the new map keeps the view.
      const kept = state && data.viewport && state.sig !== data.sig
        ? { center: state.map.getCenter(), zoom: state.map.getZoom(), sent: state.sent, view: state.view }
        : null;
      if (state && state.sig !== data.sig) destroy(holder);
      if (!holder.__tl) {
        performance.mark("tl-assets");
        build(holder, data, setTriggerValue);
        if (kept) {
          holder.__tl.map.setView(kept.center, kept.zoom, { animate: false });
          holder.__tl.sent = kept.sent;
          holder.__tl.view = kept.view;
        }
        performance.mark("tl-drawn");
      }
      const view = data.view ? JSON.stringify(data.view) : null;
      if (view && holder.__tl.view !== view) {
        const map = holder.__tl.map;
        if (data.view.bounds) {
          map.fitBounds(data.view.bounds, { padding: [24, 24], maxZoom: 17, animate: false });
        } else {
          map.setView(data.view.center, data.view.zoom || map.getZoom());
        }
      }
      holder.__tl.view = view;
      // The selection made beside the map (a list row, a card) is highlighted too.
      if (holder.__tl.selected !== data.selected) {
        window.TL.select(holder.__tl.inst, data.selected || null);
        holder.__tl.selected = data.selected;
      }
      if (window.TLEdit) window.TLEdit.update(holder.__tl, data.edit || null, setTriggerValue);
      holder.__tl.map.invalidateSize(false);
      if (data.viewport && holder.__tl.sent === undefined) holder.__tl.sent = viewKey(holder.__tl.map).key;
    })
    .catch((err) => {
      holder.textContent = String(err && err.message ? err.message : err);
    });
  return () => {
    alive = false;
    destroy(holder);
  };
}
