/*
 * The Streamlit map element (st.components.v2, no iframe): Leaflet and the
 * Tenglong controls (tenglong.js) are loaded once per browser page from the
 * app's own static files, then TL.mount(map, cfg) draws the map that
 * geo/render.py prepared. A click on a feature sends its properties back as
 * the one-shot trigger value "identify"; pan and zoom send nothing.
 *
 * Streamlit calls the default export on mount and whenever the data change.
 * The map is rebuilt only when the map itself changes (data.sig); a new
 * centre or zoom only moves the view. Performance marks: tl-element (the
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

function destroy(holder) {
  const state = holder.__tl;
  if (!state) return;
  window.removeEventListener("tenglong:identify", state.onIdentify);
  const i = window.TL ? window.TL.instances.indexOf(state.inst) : -1;
  if (i >= 0) window.TL.instances.splice(i, 1);
  state.map.remove();
  holder.__tl = null;
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
  const inst = window.TL.mount(map, JSON.parse(data.cfg));
  const onIdentify = (e) => {
    if (!e.detail || inst.lastIdentified !== e.detail) return;
    setTriggerValue("identify", e.detail.properties);
  };
  window.addEventListener("tenglong:identify", onIdentify);
  holder.__tl = { sig: data.sig, map: map, inst: inst, onIdentify: onIdentify, view: null };
}

export default function ({ data, parentElement, setTriggerValue }) {
  let holder = parentElement.querySelector(".tl-holder");
  if (!holder) {
    holder = document.createElement("div");
    holder.className = "tl-holder";
    holder.style.width = "100%";
    parentElement.appendChild(holder);
  }
  holder.style.height = data.height + "px";
  performance.mark("tl-element");
  let alive = true;
  assets(data.assets)
    .then(() => {
      if (!alive) return;
      const state = holder.__tl;
      if (state && state.sig !== data.sig) destroy(holder);
      if (!holder.__tl) {
        performance.mark("tl-assets");
        build(holder, data, setTriggerValue);
        performance.mark("tl-drawn");
      }
      const view = data.view ? JSON.stringify(data.view) : null;
      if (view && holder.__tl.view !== view) {
        holder.__tl.map.setView(data.view.center, data.view.zoom || holder.__tl.map.getZoom());
      }
      holder.__tl.view = view;
      holder.__tl.map.invalidateSize(false);
    })
    .catch((err) => {
      holder.textContent = String(err && err.message ? err.message : err);
    });
  return () => {
    alive = false;
    destroy(holder);
  };
}
