/*
 * Tenglong map controls for Leaflet 1.9 (no other dependency, no network).
 *
 * TL.mount(map, cfg) draws the layers prepared by geo/render.py and adds a
 * layer control grouped by theme, a legend of the visible layers, feature
 * tooltips and popups, click-to-identify, a measure tool that reports m², ha
 * and 亩 (mu), a fullscreen button and the "示意 / schematic" note.
 *
 * Safety: every string that comes from data or configuration reaches the page
 * through textContent (or as an HTMLElement handed to Leaflet), never through
 * innerHTML, so markup in data shows as text and cannot run.
 */
(function (root) {
  "use strict";
  var L = root.L;
  var TL = (root.TL = root.TL || {});
  TL.instances = TL.instances || [];

  // Leaflet focuses the map on mousedown and then restores the window's
  // scroll position only. In a page whose scrolling element is not the
  // window (Streamlit's main block), the focus scrolled the map into view
  // between mousedown and mouseup: the feature moved away from the pointer
  // and the first click was lost. Focus without scrolling instead.
  if (L && L.Map && L.Map.Keyboard && !L.Map.Keyboard.prototype._tlNoScroll) {
    L.Map.Keyboard.prototype._onMouseDown = function () {
      if (this._focused) return;
      try {
        this._map._container.focus({ preventScroll: true });
      } catch (e) {
        this._map._container.focus();
      }
    };
    L.Map.Keyboard.prototype._tlNoScroll = true;
  }

  // Below this many pixels a polygon's status colour cannot be told apart:
  // it is drawn with an outline of its own colour that brings it to this size.
  TL.MIN_FEATURE_PX = 9;
  // The layer control and the legend together cover at most this share of the map.
  TL.CONTROL_BUDGET = 0.15;

  var M2_PER_MU = 10000 / 15;
  var WGS84_A = 6378137.0;
  var WGS84_E2 = 0.00669437999014;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    fullscreen: "M3 8V3h5M12 3h5v5M17 12v5h-5M8 17H3v-5",
    measure: "M2 14L14 2l4 4L6 18zM5 11l2 2M8 8l2 2M11 5l2 2",
  };

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.8");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  function pairsToMap(pairs) {
    var m = new Map();
    (pairs || []).forEach(function (p) {
      m.set(String(p[0]), p[1]);
    });
    return m;
  }

  // ---------------------------------------------------------------- decoding
  // Layers of one table share a store: geometries and property columns; a
  // layer lists its rows of the store (ids). Columns are {v: values} or, when
  // repetitive, {d: distinct values, i: index of each row's value}.
  // Geometry is integer micro-degrees, delta-encoded per ring from the store
  // origin; the closing vertex of polygon rings is left out.
  TL.value = function (store, name, r) {
    var c = store.cols[name];
    if (!c) return null;
    return c.d ? c.d[c.i[r]] : c.v[r];
  };

  function decodeGeometry(store, r) {
    var ox = store.origin[0],
      oy = store.origin[1],
      isPoly = store.geometry === "polygon",
      parts = store.geoms[r],
      out = [];
    for (var p = 0; p < parts.length; p++) {
      var rings = parts[p],
        outRings = [];
      for (var q = 0; q < rings.length; q++) {
        var flat = rings[q],
          x = ox,
          y = oy,
          ring = [];
        for (var k = 0; k < flat.length; k += 2) {
          x += flat[k];
          y += flat[k + 1];
          ring.push([x / 1e6, y / 1e6]);
        }
        if (isPoly && ring.length) ring.push(ring[0].slice());
        outRings.push(ring);
      }
      out.push(outRings);
    }
    if (isPoly) {
      return out.length === 1
        ? { type: "Polygon", coordinates: out[0] }
        : { type: "MultiPolygon", coordinates: out };
    }
    var lines = out.map(function (pp) {
      return pp[0];
    });
    return lines.length === 1
      ? { type: "LineString", coordinates: lines[0] }
      : { type: "MultiLineString", coordinates: lines };
  }

  // The larger side of a feature's bounding box in pixels at zoom 0 (Web Mercator).
  function sizeAtZoom0(geom) {
    var x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
    var polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
    for (var p = 0; p < polys.length; p++) {
      var ring = polys[p][0] || [];
      for (var k = 0; k < ring.length; k++) {
        var c = ring[k];
        if (c[0] < x0) x0 = c[0];
        if (c[0] > x1) x1 = c[0];
        if (c[1] < y0) y0 = c[1];
        if (c[1] > y1) y1 = c[1];
      }
    }
    if (x1 < x0) return Infinity;
    var k0 = 256 / 360;
    var cos = Math.cos((((y0 + y1) / 2) * Math.PI) / 180) || 1;
    return Math.max((x1 - x0) * k0, ((y1 - y0) * k0) / cos);
  }
  TL.sizeAtZoom0 = sizeAtZoom0;

  TL.decode = function (lyr, store) {
    var feats = [];
    for (var k = 0; k < lyr.ids.length; k++) {
      var r = lyr.ids[k],
        props = {};
      for (var f = 0; f < lyr.fields.length; f++) props[lyr.fields[f]] = TL.value(store, lyr.fields[f], r);
      feats.push({ type: "Feature", geometry: decodeGeometry(store, r), properties: props });
    }
    return { type: "FeatureCollection", features: feats };
  };

  // ----------------------------------------------------------------- styling
  function makeStyler(st) {
    var cats = pairsToMap(st.cats);
    return function (value) {
      if (st.kind === "single") return st.color;
      if (value === null || value === undefined || value === "") return st.other;
      if (st.kind === "categorical") {
        var c = cats.get(String(value));
        return c === undefined ? st.other : c;
      }
      for (var i = 0; i < st.breaks.length; i++) {
        if (value < st.breaks[i]) return st.colors[i];
      }
      return st.colors[st.colors.length - 1];
    };
  }

  // A polygon smaller than TL.MIN_FEATURE_PX on screen gets an outline of its
  // own colour that brings it to that size, so that its colour reads at the
  // district zoom (and its click target is as large).
  function zoomStyle(st, color, size0, zoom) {
    var base = pathStyle(st, color);
    if (!st.fill || !isFinite(size0)) return base;
    var px = size0 * Math.pow(2, zoom);
    if (px >= TL.MIN_FEATURE_PX) return base;
    base.color = color;
    // Drawn paths are rounded and simplified by a pixel or two: the outline's
    // width allows for that (at least the minimum less half the feature's size).
    base.weight = Math.max(base.weight, TL.MIN_FEATURE_PX - px / 2);
    base.opacity = 1;
    base.fillOpacity = Math.max(base.fillOpacity || 0, 0.9);
    return base;
  }
  TL.zoomStyle = zoomStyle;

  function pathStyle(st, color) {
    return {
      color: st.stroke || color,
      weight: st.weight,
      opacity: st.opacity,
      fill: st.fill,
      fillColor: color,
      fillOpacity: st.fillOpacity,
      dashArray: st.dash || null,
    };
  }

  // -------------------------------------------------------------- formatting
  function formatValue(fmt, value, lang) {
    if (value === null || value === undefined || value === "") return "—";
    if (fmt && fmt.vocab) {
      var v = fmt.vocabMap.get(String(value));
      if (v !== undefined) return v;
    }
    if (typeof value === "number") {
      // A field with its decimals set (亩 1, m² 0, 公顷 2) always shows them, so that figures line up.
      var fixed = fmt && fmt.decimals !== null && fmt.decimals !== undefined;
      var d = fixed ? fmt.decimals : 2;
      return value.toLocaleString(lang === "zh" ? "zh-CN" : "en-US", {
        minimumFractionDigits: fixed ? d : 0,
        maximumFractionDigits: d,
      });
    }
    if (typeof value === "boolean") return value ? (lang === "zh" ? "是" : "yes") : lang === "zh" ? "否" : "no";
    return String(value);
  }

  function fieldTable(lyr, props, names, lang, title) {
    var box = el("div", "tl-info");
    if (title) box.appendChild(el("div", "tl-info-title", title));
    var table = el("table");
    names.forEach(function (name) {
      var fmt = lyr.fmt[name] || {};
      var tr = el("tr");
      tr.appendChild(el("th", null, fmt.label || name));
      tr.appendChild(el("td", null, formatValue(fmt, props[name], lang)));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  // ------------------------------------------------------------------ layers
  function buildLayer(inst, lyr, z) {
    var map = inst.map;
    var paneName = "tl-" + lyr.id;
    var pane = map.createPane(paneName);
    pane.style.zIndex = String(401 + z);
    Object.keys(lyr.fmt).forEach(function (k) {
      lyr.fmt[k].vocabMap = pairsToMap(lyr.fmt[k].vocab);
    });
    var entry = { spec: lyr, group: L.featureGroup(), geojson: null, labels: null, count: lyr.n };
    // Features are built the first time the layer is shown: hidden layers cost
    // nothing at first paint.
    entry.group.on("add", function () {
      if (!entry.geojson) materialize(inst, entry, paneName);
    });
    return entry;
  }

  function materialize(inst, entry, paneName) {
    var map = inst.map,
      cfg = inst.cfg,
      lyr = entry.spec,
      group = entry.group;
    var styler = makeStyler(lyr.style);
    var store = inst.cfg.stores[lyr.store];
    var fc = TL.decode(lyr, store);
    var sized = store.geometry === "polygon" && lyr.style.fill;
    if (sized) {
      fc.features.forEach(function (f) {
        f.size0 = sizeAtZoom0(f.geometry);
      });
    }
    var gj = L.geoJSON(fc, {
      pane: paneName,
      renderer: L.svg({ pane: paneName, padding: 0.3 }),
      style: function (f) {
        var color = styler(lyr.style.by ? f.properties[lyr.style.by] : null);
        if (!sized) return pathStyle(lyr.style, color);
        return zoomStyle(lyr.style, color, f.size0, map.getZoom());
      },
    });
    if (sized) {
      // Restyle the features whose size crosses the minimum between two zooms.
      var lastZoom = map.getZoom();
      map.on("zoomend", function () {
        var z = map.getZoom(),
          lo = Math.min(z, lastZoom);
        lastZoom = z;
        gj.eachLayer(function (layer) {
          if (layer === inst.selected) return;
          if (layer.feature.size0 * Math.pow(2, lo) < TL.MIN_FEATURE_PX) gj.resetStyle(layer);
        });
      });
    }
    if (lyr.tooltip.length) {
      gj.bindTooltip(
        function (layer) {
          return fieldTable(lyr, layer.feature.properties, lyr.tooltip, cfg.lang, null);
        },
        { sticky: true, direction: "top", className: "tl-tooltip" }
      );
    }
    // In the app the card beside the map shows a clicked feature: no popup there.
    var popupFields = lyr.popup.length ? lyr.popup : lyr.tooltip;
    if (inst.options.popups && popupFields.length) {
      gj.bindPopup(
        function (layer) {
          return fieldTable(lyr, layer.feature.properties, popupFields, cfg.lang, lyr.title);
        },
        { maxWidth: 360, className: "tl-popup" }
      );
    }
    gj.on("mouseover", function (e) {
      if (inst.selected !== e.layer) e.layer.setStyle({ weight: e.layer.options.weight + 2 });
    });
    gj.on("mouseout", function (e) {
      if (inst.selected !== e.layer) gj.resetStyle(e.layer);
    });
    gj.on("click", function (e) {
      inst.selectEvent = e.originalEvent;
      identify(inst, lyr, gj, e.layer);
    });
    group.addLayer(gj);
    entry.geojson = gj;
    scheduleKeyboardOrder(inst);
    if (!lyr.labels) return;
    var labels = L.layerGroup();
    var pts = store.labels || [];
    var sizes = new Map();
    if (sized) {
      fc.features.forEach(function (f, k) {
        sizes.set(lyr.ids[k], f.size0);
      });
    }
    var detail = lyr.labels.detail;
    lyr.ids.forEach(function (r) {
      var text = TL.value(store, lyr.labels.field, r);
      if ((text === null || text === "") && lyr.labels.fallback) text = TL.value(store, lyr.labels.fallback, r);
      var pt = pts[r];
      if (text === null || text === undefined || text === "" || !pt) return;
      var span = el("span", null, formatValue(lyr.fmt[lyr.labels.field], text, cfg.lang));
      var extra = detail ? TL.value(store, detail, r) : null;
      if (extra !== null && extra !== undefined && extra !== "") {
        span.appendChild(el("br"));
        var unit = lyr.labels.detailUnit ? " " + lyr.labels.detailUnit : "";
        span.appendChild(el("small", null, formatValue(lyr.fmt[detail], extra, cfg.lang) + unit));
      }
      var ll = L.latLng((store.origin[1] + pt[1]) / 1e6, (store.origin[0] + pt[0]) / 1e6);
      var marker = L.marker(ll, {
        icon: L.divIcon({ className: "tl-label", html: span, iconSize: null }),
        interactive: false,
        keyboard: false,
        pane: "tooltipPane",
      });
      marker._tl = { z: lyr.z || 0, size0: sizes.has(r) ? sizes.get(r) : Infinity, w: 0, h: 0 };
      marker.addTo(labels);
    });
    entry.labels = labels;
    var syncLabels = function () {
      var on = map.hasLayer(group) && map.getZoom() >= lyr.labels.minZoom;
      if (on && !map.hasLayer(labels)) map.addLayer(labels);
      if (!on && map.hasLayer(labels)) map.removeLayer(labels);
      scheduleDeclutter(inst);
    };
    map.on("zoomend", syncLabels);
    map.on("moveend", function () {
      if (map.hasLayer(labels)) scheduleDeclutter(inst);
    });
    group.on("add remove", function () {
      setTimeout(syncLabels, 0);
    });
    setTimeout(syncLabels, 0);
  }

  // ------------------------------------------------------------ declutter
  // Labels of every layer on the map compete for room once per zoom and once
  // per finished move (never during a pan: a pan moves them all together).
  // Only labels anchored within the view and half a view around it are
  // candidates: the others are not displayed at all (a thousand labels off
  // screen made every frame of a pan slow). Higher layers and larger features
  // first; a label is shown when its box (plus a small gap) overlaps no label
  // already shown and, for a polygon, when it is no wider than TL.LABEL_FIT
  // times the feature's drawn size. Boxes are measured once (the text does not
  // change with the zoom) and compared in a grid of cells.
  TL.LABEL_FIT = 1.6;
  var LABEL_GAP = 3;
  var LABEL_MARGIN = 0.5;

  function scheduleDeclutter(inst) {
    if (inst._declutter) return;
    inst._declutter = true;
    var run = function () {
      inst._declutter = false;
      TL.declutter(inst);
    };
    if (root.requestAnimationFrame) root.requestAnimationFrame(run);
    else setTimeout(run, 0);
  }

  function setDisplay(e, display) {
    if (e && e.style.display !== display) e.style.display = display;
  }

  TL.declutter = function (inst) {
    var map = inst.map,
      scale = Math.pow(2, map.getZoom()),
      size = map.getSize(),
      mx = size.x * LABEL_MARGIN,
      my = size.y * LABEL_MARGIN,
      all = [];
    inst.layers.forEach(function (entry) {
      if (!entry.labels || !map.hasLayer(entry.labels)) return;
      entry.labels.eachLayer(function (m) {
        var e = m.getElement();
        if (!e) return;
        var c = map.latLngToContainerPoint(m.getLatLng());
        if (c.x < -mx || c.y < -my || c.x > size.x + mx || c.y > size.y + my) setDisplay(e, "none");
        else all.push(m);
      });
    });
    var fresh = all.filter(function (m) {
      return !m._tl.w;
    });
    // Measure first, then write: one layout for all new labels.
    fresh.forEach(function (m) {
      setDisplay(m.getElement(), "");
    });
    fresh.forEach(function (m) {
      var span = m.getElement().firstChild;
      m._tl.w = span ? span.offsetWidth : 0;
      m._tl.h = span ? span.offsetHeight : 0;
    });
    all.sort(function (a, b) {
      return b._tl.z - a._tl.z || b._tl.size0 - a._tl.size0;
    });
    var CELL = 64,
      grid = new Map(),
      shown = 0;
    var cells = function (box, visit) {
      for (var gx = Math.floor(box[0] / CELL); gx <= Math.floor(box[2] / CELL); gx++) {
        for (var gy = Math.floor(box[1] / CELL); gy <= Math.floor(box[3] / CELL); gy++) {
          if (visit(gx + ":" + gy)) return true;
        }
      }
      return false;
    };
    var overlaps = function (box) {
      return cells(box, function (key) {
        var cell = grid.get(key) || [];
        for (var i = 0; i < cell.length; i++) {
          var o = cell[i];
          if (box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]) return true;
        }
        return false;
      });
    };
    all.forEach(function (m) {
      var t = m._tl,
        p = map.latLngToLayerPoint(m.getLatLng());
      var box = [
        p.x - t.w / 2 - LABEL_GAP,
        p.y - t.h / 2 - LABEL_GAP,
        p.x + t.w / 2 + LABEL_GAP,
        p.y + t.h / 2 + LABEL_GAP,
      ];
      var fits = !isFinite(t.size0) || t.w <= TL.LABEL_FIT * t.size0 * scale;
      var show = fits && !overlaps(box);
      if (show) {
        cells(box, function (key) {
          if (!grid.has(key)) grid.set(key, []);
          grid.get(key).push(box);
        });
        shown++;
      }
      setDisplay(m.getElement(), show ? "" : "none");
    });
    inst.labelsShown = shown;
    return shown;
  };

  function highlight(inst, lyr, gj, layer) {
    if (inst.selected && inst.selectedGeojson) inst.selectedGeojson.resetStyle(inst.selected);
    inst.selected = layer;
    inst.selectedGeojson = gj;
    gj.resetStyle(layer); // drop the hover outline: the highlight starts from the plain style
    layer.setStyle({ color: "#00b7ff", weight: Math.max(lyr.style.weight, layer.options.weight) + 3, opacity: 1 });
    if (layer.bringToFront) layer.bringToFront();
  }

  // Highlight the feature whose key is ``id`` (first layer on the map that has
  // it) without announcing it: the page chose it already. null clears.
  TL.select = function (inst, id) {
    if (!inst) return false;
    if (id === null || id === undefined) {
      if (inst.selected && inst.selectedGeojson) inst.selectedGeojson.resetStyle(inst.selected);
      inst.selected = null;
      return false;
    }
    for (var i = inst.layers.length - 1; i >= 0; i--) {
      var entry = inst.layers[i],
        lyr = entry.spec,
        gj = entry.geojson;
      if (!gj || !lyr.key || !inst.map.hasLayer(entry.group)) continue;
      var hit = null;
      gj.eachLayer(function (layer) {
        if (!hit && String(layer.feature.properties[lyr.key]) === String(id)) hit = layer;
      });
      if (hit) {
        highlight(inst, lyr, gj, hit);
        return true;
      }
    }
    return false;
  };

  function identify(inst, lyr, gj, layer) {
    if (inst.measuring) return;
    highlight(inst, lyr, gj, layer);
    var props = layer.feature.properties;
    var detail = { layer: lyr.id, key: lyr.key, id: lyr.key ? props[lyr.key] : null, properties: props };
    inst.lastIdentified = detail;
    var evt;
    try {
      evt = new CustomEvent("tenglong:identify", { detail: detail });
    } catch (e) {
      evt = null;
    }
    if (evt) root.dispatchEvent(evt);
  }

  // ------------------------------------------------------ keyboard selection
  // Features of a layer with a key (parcels, sites, areas) can be reached with
  // Tab and selected with Enter or Space: the same as a click (identify: the
  // card opens, the feature is highlighted). Only the features whose bounds
  // meet the view are in the tab order, at most TL.KEYBOARD_BUDGET of them,
  // top layer first; the order is chosen again once per finished move or zoom
  // and when a layer is switched, when the browser is idle (never during a pan). Each one gets
  // role="button" and an aria-label (its id and, when the role may see it,
  // its name), set with setAttribute: text, never markup.
  TL.KEYBOARD_BUDGET = 300;

  function keyboardLabel(lyr, props) {
    var id = lyr.key ? props[lyr.key] : null;
    var parts = [];
    if (id !== null && id !== undefined && id !== "") parts.push(String(id));
    var name = props.name;
    if (name !== null && name !== undefined && name !== "" && String(name) !== String(id)) parts.push(String(name));
    if (!parts.length) parts.push(String(lyr.title));
    return parts.join(" ");
  }

  function setTabbable(path, on) {
    if (on) {
      if (path.getAttribute("tabindex") !== "0") path.setAttribute("tabindex", "0");
    } else if (path.hasAttribute("tabindex")) {
      path.removeAttribute("tabindex");
    }
  }

  TL.keyboardOrder = function (inst) {
    var map = inst.map,
      view = map.getBounds(),
      n = 0;
    var entries = inst.layers.slice().sort(function (a, b) {
      return (b.spec.z || 0) - (a.spec.z || 0);
    });
    entries.forEach(function (entry) {
      var gj = entry.geojson,
        lyr = entry.spec;
      if (!gj || !lyr.key) return;
      var on = map.hasLayer(entry.group);
      gj.eachLayer(function (layer) {
        var path = layer._path; // Leaflet's SVG element (a new one each time the layer is added)
        if (!path) return;
        var take = on && n < TL.KEYBOARD_BUDGET && !!layer.getBounds && view.intersects(layer.getBounds());
        if (take) {
          n++;
          if (!path._tlKb) {
            path._tlKb = { lyr: lyr, gj: gj, layer: layer };
            path.setAttribute("role", "button");
            path.setAttribute("aria-label", keyboardLabel(lyr, layer.feature.properties));
          }
        }
        setTabbable(path, take);
      });
    });
    inst.tabbable = n;
    return n;
  };

  function scheduleKeyboardOrder(inst) {
    if (inst._kbOrder) return;
    inst._kbOrder = true;
    var run = function () {
      inst._kbOrder = false;
      TL.keyboardOrder(inst);
    };
    // when the browser is idle: never in the frame that follows the end of a drag
    if (root.requestIdleCallback) root.requestIdleCallback(run, { timeout: 400 });
    else setTimeout(run, 50);
  }

  function keyboardSelection(inst) {
    var map = inst.map,
      c = map.getContainer();
    L.DomEvent.on(c, "keydown", function (e) {
      if (e.key !== "Enter" && e.key !== " " && e.key !== "Spacebar") return;
      var hit = e.target && e.target._tlKb;
      if (!hit) return;
      L.DomEvent.preventDefault(e);
      L.DomEvent.stopPropagation(e);
      identify(inst, hit.lyr, hit.gj, hit.layer);
      if (inst.options.popups && hit.layer.getPopup && hit.layer.getPopup()) hit.layer.openPopup();
    });
    // Focusing a path at the edge of the view would scroll the map's own
    // (overflow: hidden) container and shift every pane: undo it at once.
    L.DomEvent.on(c, "scroll", function () {
      if (c.scrollTop || c.scrollLeft) {
        c.scrollTop = 0;
        c.scrollLeft = 0;
      }
    });
    map.on("moveend zoomend", function () {
      scheduleKeyboardOrder(inst);
    });
    inst.root.on("layeradd layerremove", function () {
      scheduleKeyboardOrder(inst);
    });
    scheduleKeyboardOrder(inst);
  }
  TL.scheduleKeyboardOrder = scheduleKeyboardOrder;

  // ------------------------------------------------------ collapsible panel
  // A map panel with a header button that opens and closes its body (layer
  // control, legend, the app's basemap switcher): classes "tl-control CLS",
  // header "tl-head SUB-head", body "tl-body SUB-body" (SUB optional);
  // onToggle(box) runs after each toggle. Returns {box, head, body}.
  function collapsible(cls, sub, title, collapsed, onToggle) {
    var box = el("div", "tl-control " + cls);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    var head = el("button", "tl-head" + (sub ? " " + sub + "-head" : ""), title);
    head.type = "button";
    head.title = title;
    var body = el("div", "tl-body" + (sub ? " " + sub + "-body" : ""));
    if (collapsed) box.classList.add("tl-collapsed");
    var expanded = function () {
      head.setAttribute("aria-expanded", String(!box.classList.contains("tl-collapsed")));
    };
    expanded();
    head.addEventListener("click", function () {
      box.classList.toggle("tl-collapsed");
      expanded();
      if (onToggle) onToggle(box);
    });
    box.appendChild(head);
    box.appendChild(body);
    return { box: box, head: head, body: body };
  }
  TL.collapsible = collapsible;

  // ----------------------------------------------------------- layer control
  var LayerControl = L.Control.extend({
    options: { position: "topright" },
    initialize: function (inst, options) {
      L.setOptions(this, options);
      this._inst = inst;
    },
    onAdd: function (map) {
      var inst = this._inst,
        t = inst.cfg.text;
      var panel = collapsible("tl-layers leaflet-bar", "", t.layers, inst.options.layersCollapsed, function (box) {
        fitControls(inst, box);
      });
      var box = panel.box,
        body = panel.body;
      inst.cfg.themes.forEach(function (theme) {
        var entries = inst.layers.filter(function (l) {
          return l.spec.theme === theme.id;
        });
        if (!entries.length) return;
        var sec = el("div", "tl-theme");
        var title = el("div", "tl-theme-title", theme.label);
        title.addEventListener("click", function () {
          sec.classList.toggle("tl-collapsed");
        });
        sec.appendChild(title);
        entries.forEach(function (entry) {
          var row = el("label", "tl-layer-row");
          var cb = el("input");
          cb.type = "checkbox";
          cb.checked = map.hasLayer(entry.group);
          cb.setAttribute("data-layer", entry.spec.id);
          cb.addEventListener("change", function () {
            if (cb.checked) inst.root.addLayer(entry.group);
            else inst.root.removeLayer(entry.group);
          });
          row.appendChild(cb);
          var sw = el("span", "tl-swatch");
          var first = entry.spec.legend[0];
          if (first) {
            sw.style.background = first.color;
            if (first.line) sw.classList.add("tl-swatch-line");
          }
          row.appendChild(sw);
          row.appendChild(el("span", "tl-layer-name", entry.spec.title));
          row.appendChild(el("span", "tl-count", entry.count.toLocaleString()));
          sec.appendChild(row);
        });
        body.appendChild(sec);
      });
      return box;
    },
  });

  // ------------------------------------------------------------------ legend
  var Legend = L.Control.extend({
    options: { position: "bottomleft" },
    initialize: function (inst, options) {
      L.setOptions(this, options);
      this._inst = inst;
    },
    onAdd: function (map) {
      var inst = this._inst;
      var panel = collapsible("tl-legend", "tl-legend", inst.cfg.text.legend, inst.options.legendCollapsed, function (box) {
        fitControls(inst, box);
      });
      this._box = panel.box;
      this._body = panel.body;
      map.on("layeradd layerremove", this._changed, this);
      this.update();
      return panel.box;
    },
    onRemove: function (map) {
      map.off("layeradd layerremove", this._changed, this);
    },
    // Only a layer group of the map changes the legend: the map also announces
    // every label and feature added (a thousand labels at a zoom), and a legend
    // rebuilt and measured for each of them took seconds.
    _changed: function (e) {
      var layer = e && e.layer;
      if (layer && !this._inst.layers.some(function (entry) { return entry.group === layer; })) return;
      this.update();
    },
    update: function () {
      var inst = this._inst,
        map = inst.map,
        box = this._body;
      if (!box) return;
      while (box.firstChild) box.removeChild(box.firstChild);
      var any = false;
      inst.layers
        .slice()
        .reverse()
        .forEach(function (entry) {
          if (!map.hasLayer(entry.group)) return;
          any = true;
          var sec = el("div", "tl-legend-layer");
          sec.appendChild(el("div", "tl-legend-layer-title", entry.spec.title));
          entry.spec.legend.forEach(function (item) {
            var row = el("div", "tl-legend-row");
            var sw = el("span", "tl-swatch");
            sw.style.background = item.color;
            if (item.line) sw.classList.add("tl-swatch-line");
            if (item.outline) {
              sw.style.background = "transparent";
              sw.style.borderColor = item.color;
              sw.classList.add("tl-swatch-outline");
            }
            row.appendChild(sw);
            row.appendChild(el("span", null, item.label));
            sec.appendChild(row);
          });
          if (entry.spec.note) sec.appendChild(el("div", "tl-legend-note", entry.spec.note));
          box.appendChild(sec);
        });
      this._box.style.display = any ? "" : "none";
      snapLegend(this._box);
    },
  });

  // ------------------------------------------------------- control budget
  // The share of the map's area the open layer control and legend cover.
  TL.controlCover = function (inst) {
    var c = inst.map.getContainer().getBoundingClientRect();
    var area = c.width * c.height;
    if (!area) return 0;
    var covered = 0;
    [".tl-layers", ".tl-legend"].forEach(function (sel) {
      var e = inst.map.getContainer().querySelector(sel);
      if (!e || e.style.display === "none") return;
      var b = e.getBoundingClientRect();
      covered += b.width * b.height;
    });
    return covered / area;
  };

  // Panels are capped to a share of the map's height; when the one just
  // opened and the other together cover more than the budget, the other closes.
  function fitControls(inst, opened) {
    var c = inst.map.getContainer();
    var h = c.clientHeight;
    var layers = c.querySelector(".tl-layers"),
      legend = c.querySelector(".tl-legend");
    if (layers) layers.style.maxHeight = Math.max(120, Math.round(h * 0.6)) + "px";
    if (legend) legend.style.maxHeight = Math.max(90, Math.round(h * 0.4)) + "px";
    snapLegend(legend);
    if (!opened || opened.classList.contains("tl-collapsed")) return;
    if (TL.controlCover(inst) <= TL.CONTROL_BUDGET) return;
    var other = opened === layers ? legend : layers;
    if (other && !other.classList.contains("tl-collapsed")) {
      other.classList.add("tl-collapsed");
      var head = other.querySelector(".tl-head");
      if (head) head.setAttribute("aria-expanded", "false");
    }
  }
  TL.fitControls = fitControls;

  // ------------------------------------------------------------ legend rows
  // A legend taller than its cap scrolls in its body; the body's height ends
  // between two rows, never through one (a row cut in half looked broken),
  // and a shadow at its foot says that more rows follow.
  function snapLegend(legend) {
    if (!legend) return;
    var body = legend.querySelector(".tl-legend-body"),
      head = legend.querySelector(".tl-head");
    if (!body) return;
    body.style.maxHeight = "";
    legend.classList.remove("tl-scrolls");
    if (legend.classList.contains("tl-collapsed") || legend.style.display === "none") return;
    var cap = parseFloat(legend.style.maxHeight);
    if (!isFinite(cap)) return;
    var room = cap - (head ? head.offsetHeight : 0);
    if (body.scrollHeight <= room) return;
    var top = body.getBoundingClientRect().top - body.scrollTop,
      fit = 0;
    var rows = body.querySelectorAll(".tl-legend-layer-title, .tl-legend-row, .tl-legend-note");
    for (var i = 0; i < rows.length; i++) {
      var bottom = rows[i].getBoundingClientRect().bottom - top;
      if (bottom <= room - 4 && bottom > fit) fit = bottom;
    }
    body.style.maxHeight = Math.max(24, Math.round(fit)) + "px";
    legend.classList.add("tl-scrolls");
  }
  TL.snapLegend = snapLegend;

  // ------------------------------------------------------------------ notice
  var Notice = L.Control.extend({
    options: { position: "bottomright" },
    initialize: function (text, options) {
      L.setOptions(this, options);
      this._text = text;
    },
    onAdd: function () {
      return el("div", "tl-control tl-schematic", this._text);
    },
  });

  // -------------------------------------------------------------- fullscreen
  var Fullscreen = L.Control.extend({
    options: { position: "topleft" },
    initialize: function (inst, options) {
      L.setOptions(this, options);
      this._inst = inst;
    },
    onAdd: function (map) {
      var t = this._inst.cfg.text;
      var bar = el("div", "leaflet-bar tl-control-buttons");
      var btn = el("a", "tl-btn tl-fullscreen-btn");
      btn.appendChild(icon("fullscreen"));
      btn.href = "#";
      btn.title = t.fullscreen;
      btn.setAttribute("role", "button");
      btn.setAttribute("aria-label", t.fullscreen);
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(btn, "click", function (e) {
        L.DomEvent.preventDefault(e);
        var c = map.getContainer();
        var doc = document;
        var active = doc.fullscreenElement === c || c.classList.contains("tl-pseudo-fullscreen");
        if (active) {
          if (doc.fullscreenElement && doc.exitFullscreen) doc.exitFullscreen();
          c.classList.remove("tl-pseudo-fullscreen");
        } else if (c.requestFullscreen && doc.fullscreenEnabled) {
          c.requestFullscreen().catch(function () {
            c.classList.add("tl-pseudo-fullscreen");
            map.invalidateSize();
          });
        } else {
          c.classList.add("tl-pseudo-fullscreen");
        }
        setTimeout(function () {
          map.invalidateSize();
        }, 200);
      });
      bar.appendChild(btn);
      return bar;
    },
  });

  // ----------------------------------------------------------------- measure
  // Planar measure in a local projection at the mean latitude on the WGS84
  // ellipsoid (meridian and prime-vertical radii): within 0.01% of the
  // geodesic area for sites of a few km.
  function localXY(latlngs) {
    var lat0 = 0,
      lng0 = latlngs[0].lng;
    latlngs.forEach(function (p) {
      lat0 += p.lat;
    });
    lat0 = ((lat0 / latlngs.length) * Math.PI) / 180;
    var s = Math.sin(lat0),
      w = Math.sqrt(1 - WGS84_E2 * s * s);
    var n = WGS84_A / w,
      m = (WGS84_A * (1 - WGS84_E2)) / (w * w * w);
    var kx = n * Math.cos(lat0) * (Math.PI / 180),
      ky = m * (Math.PI / 180);
    var latDeg0 = (lat0 * 180) / Math.PI;
    return latlngs.map(function (p) {
      return [(p.lng - lng0) * kx, (p.lat - latDeg0) * ky];
    });
  }

  TL.measureLength = function (latlngs) {
    if (latlngs.length < 2) return 0;
    var xy = localXY(latlngs),
      d = 0;
    for (var i = 1; i < xy.length; i++) d += Math.hypot(xy[i][0] - xy[i - 1][0], xy[i][1] - xy[i - 1][1]);
    return d;
  };

  TL.measureArea = function (latlngs) {
    if (latlngs.length < 3) return 0;
    var xy = localXY(latlngs),
      a = 0;
    for (var i = 0; i < xy.length; i++) {
      var j = (i + 1) % xy.length;
      a += xy[i][0] * xy[j][1] - xy[j][0] * xy[i][1];
    }
    return Math.abs(a) / 2;
  };

  TL.formatArea = function (m2, lang) {
    var loc = lang === "zh" ? "zh-CN" : "en-US";
    var f = function (v, d) {
      return v.toLocaleString(loc, { minimumFractionDigits: d, maximumFractionDigits: d });
    };
    return [f(m2, 0) + " m²", f(m2 / 10000, 2) + " ha", f(m2 / M2_PER_MU, 1) + (lang === "zh" ? " 亩" : " mu")];
  };

  TL.formatLength = function (m, lang) {
    var loc = lang === "zh" ? "zh-CN" : "en-US";
    if (m >= 1000) return (m / 1000).toLocaleString(loc, { maximumFractionDigits: 2 }) + " km";
    return m.toLocaleString(loc, { maximumFractionDigits: 0 }) + " m";
  };

  var Measure = L.Control.extend({
    options: { position: "topleft" },
    initialize: function (inst, options) {
      L.setOptions(this, options);
      this._inst = inst;
      this._points = [];
    },
    onAdd: function (map) {
      var t = this._inst.cfg.text,
        self = this;
      this._map = map;
      var box = el("div", "tl-control tl-measure");
      var bar = el("div", "leaflet-bar tl-control-buttons");
      var btn = el("a", "tl-btn tl-measure-btn");
      btn.appendChild(icon("measure"));
      btn.href = "#";
      btn.title = t.measure;
      btn.setAttribute("role", "button");
      btn.setAttribute("aria-label", t.measure);
      bar.appendChild(btn);
      box.appendChild(bar);
      var panel = el("div", "tl-measure-panel");
      panel.style.display = "none";
      this._hint = el("div", "tl-measure-hint", t.measure_hint);
      this._len = el("div", "tl-measure-length");
      this._area = el("div", "tl-measure-area");
      var actions = el("div", "tl-measure-actions");
      var finish = el("button", "tl-measure-finish", t.measure_finish);
      var clear = el("button", "tl-measure-clear", t.measure_clear);
      finish.type = clear.type = "button";
      actions.appendChild(finish);
      actions.appendChild(clear);
      panel.appendChild(this._hint);
      panel.appendChild(this._len);
      panel.appendChild(this._area);
      panel.appendChild(actions);
      box.appendChild(panel);
      this._panel = panel;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(btn, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (self._inst.measuring) self.stop();
        else self.start();
      });
      L.DomEvent.on(finish, "click", function () {
        self.stop(true);
      });
      L.DomEvent.on(clear, "click", function () {
        self.clear();
      });
      this._group = L.layerGroup().addTo(map);
      return box;
    },
    start: function () {
      var map = this._map;
      this.clear();
      this._inst.measuring = true;
      map.closePopup();
      map.getContainer().classList.add("tl-measuring");
      this._panel.style.display = "";
      this._dbl = map.doubleClickZoom.enabled();
      map.doubleClickZoom.disable();
      map.on("click", this._onClick, this);
      map.on("dblclick", this._onDbl, this);
    },
    stop: function (keep) {
      var map = this._map;
      this._inst.measuring = false;
      map.getContainer().classList.remove("tl-measuring");
      map.off("click", this._onClick, this);
      map.off("dblclick", this._onDbl, this);
      if (this._dbl) map.doubleClickZoom.enable();
      if (!keep) {
        this.clear();
        this._panel.style.display = "none";
      }
    },
    clear: function () {
      this._points = [];
      this._group.clearLayers();
      this._update();
    },
    _onClick: function (e) {
      this._points.push(e.latlng);
      this._update();
    },
    _onDbl: function () {
      this.stop(true);
    },
    _update: function () {
      var pts = this._points,
        lang = this._inst.cfg.lang,
        t = this._inst.cfg.text;
      this._group.clearLayers();
      var style = { color: "#ff5722", weight: 2.5, dashArray: "6 4", interactive: false };
      if (pts.length >= 3) L.polygon(pts, L.extend({ fillOpacity: 0.15 }, style)).addTo(this._group);
      else if (pts.length === 2) L.polyline(pts, style).addTo(this._group);
      pts.forEach(function (p) {
        L.circleMarker(p, { radius: 3, color: "#ff5722", interactive: false }).addTo(this._group);
      }, this);
      var len = TL.measureLength(pts);
      var area = TL.measureArea(pts);
      this.result = { length_m: len, area_m2: area, area_mu: area / M2_PER_MU, area_ha: area / 10000 };
      this._len.textContent = pts.length >= 2 ? t.measure_length + ": " + TL.formatLength(len, lang) : "";
      this._area.textContent = pts.length >= 3 ? t.measure_area + ": " + TL.formatArea(area, lang).join(" · ") : "";
    },
  });

  // ------------------------------------------------------------------- mount
  // options: popups (default true; the app shows a card instead), layersCollapsed
  // (default false; the app starts it collapsed), legendCollapsed (default: on
  // maps narrower than 640 px).
  TL.mount = function (map, cfg, options) {
    var opts = L.extend({ popups: true, layersCollapsed: false, legendCollapsed: null }, options || {});
    if (opts.legendCollapsed === null) opts.legendCollapsed = map.getContainer().clientWidth < 640;
    var inst = {
      map: map,
      cfg: cfg,
      options: opts,
      layers: [],
      byId: {},
      measuring: false,
      selected: null,
    };
    TL.instances.push(inst);
    map.getContainer().classList.add("tl-map");
    // The final view first: every path is then projected once, not once for
    // the initial view and again for the fitted one.
    if (cfg.bounds) map.fitBounds(cfg.bounds, { padding: [12, 12], maxZoom: 18, animate: false });
    // Every layer hangs under one feature group that is on the map from the
    // start: a click on any feature, even of a layer switched on later, bubbles
    // to it (streamlit-folium listens to the layers present at start-up).
    inst.root = L.featureGroup().addTo(map);
    cfg.layers.forEach(function (lyr, i) {
      var entry = buildLayer(inst, lyr, lyr.z);
      inst.layers.push(entry);
      inst.byId[lyr.id] = entry;
    });
    inst.layers.forEach(function (entry) {
      if (entry.spec.visible) inst.root.addLayer(entry.group);
    });
    if (cfg.schematic) {
      // Bottom right, small, and hidden while a popup is open: it never covers one.
      var notice = new Notice(cfg.text.schematic).addTo(map);
      map.on("popupopen", function () {
        notice.getContainer().style.visibility = "hidden";
      });
      map.on("popupclose", function () {
        notice.getContainer().style.visibility = "";
      });
    }
    new Fullscreen(inst).addTo(map);
    inst.measure = new Measure(inst).addTo(map);
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    inst.layerControl = new LayerControl(inst).addTo(map);
    inst.legend = new Legend(inst).addTo(map);
    keyboardSelection(inst);
    fitControls(inst, null);
    map.on("resize", function () {
      fitControls(inst, null);
    });
    // A click beside every feature clears the highlight (the click that
    // selected a feature reaches the map too: it is recognised and kept).
    map.on("click", function (e) {
      if (inst.measuring || !inst.selected) return;
      if (e.originalEvent && e.originalEvent === inst.selectEvent) return;
      if (inst.selected.isPopupOpen && inst.selected.isPopupOpen()) return;
      inst.selectedGeojson.resetStyle(inst.selected);
      inst.selected = null;
    });
    return inst;
  };
})(window);
