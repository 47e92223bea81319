/*
 * Parcel geometry editing on the app's map (the 地块编辑 / Edit parcels page),
 * with leaflet-geoman (pinned, fetched by scripts/fetch-js.py, served by the
 * app: never a CDN). Loaded by tenglong-component.js only when the page sends
 * data.edit, so other maps never load it.
 *
 * The page decides everything that matters on the server: which parcel, which
 * operation, what is checked and saved. This file only lets the planner draw
 * and sends the drawn geometry back, in display degrees (WGS84, or GCJ-02 over
 * Gaode: the server converts back), as the one-shot trigger value "edit":
 * {mode, geometry (GeoJSON, full double precision), seq}.
 *
 * Without leaflet-geoman (data.edit.tools false: the component then loads only
 * this file) there are no tools; the overlay is drawn all the same.
 *
 * Modes (data.edit.mode):
 *   draw     draw a new parcel (polygon; holes with the cut tool), then "use"
 *   line     draw a split line across the selected parcel (sent when finished)
 *   reshape  move, add (middle markers) and delete (right-click) the selected
 *            parcel's vertices, then "use"
 *   select   nothing to draw (lots, merge, retire, history): clicks pick parcels
 *
 * Snapping: to the neighbours' vertices and edges (data.edit.neighbours, sent
 * at full precision for this), within data.edit.snap_m metres, converted to
 * pixels at every zoom (geoman counts pixels). The live area of what is being
 * drawn is shown in 亩 and m² (a local projection: a preview; the server
 * measures in the Gauss-Krüger zone). data.edit.overlay: geometries the server
 * sends back (previews of lots, problems to highlight, a history version).
 */
(function (root) {
  "use strict";
  var L = root.L;
  if (!L) return;
  // Without leaflet-geoman (not fetched) there are no tools: the overlay
  // (previews of lots, problems, a history version) is still drawn.
  var PM = !!L.PM;
  // Only the layers this file creates take part in editing and snapping; the
  // map's own layers (and every other map on the page) are left alone.
  if (PM) L.PM.setOptIn(true);

  var M2_PER_MU = 10000 / 15;
  // The editing panel's look (kept here: the shared tenglong.css is untouched).
  var CSS =
    ".tl-edit-info{background:rgba(255,255,255,.95);padding:6px 9px;border-radius:4px;" +
    "box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.45 system-ui,sans-serif;max-width:340px}" +
    ".tl-edit-title{font-weight:600}.tl-edit-hint{color:#555;font-size:12px}" +
    ".tl-edit-area{font-variant-numeric:tabular-nums;margin-top:3px;font-weight:600;color:#1b5e20}" +
    ".tl-edit-snap{color:#555;font-size:12px}.tl-edit-buttons{margin-top:4px}" +
    ".tl-edit-buttons button{margin-right:6px;padding:2px 8px;cursor:pointer}" +
    ".tl-edit-tooltip{font-weight:600;font-size:11px;line-height:1.25;padding:1px 4px;" +
    "white-space:pre;text-align:center;background:rgba(255,255,255,.85)}" +
    ".tl-edit-tooltip.tl-edit-problem{color:#b71c1c}";
  if (!document.getElementById("tl-edit-css")) {
    var style = document.createElement("style");
    style.id = "tl-edit-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  var ZH = {
    tooltips: {
      placeMarker: "单击放置标记",
      firstVertex: "单击放置第一个顶点",
      continueLine: "单击继续绘制",
      finishLine: "单击最后一个顶点完成",
      finishPoly: "单击第一个顶点闭合图形",
      finishRect: "单击完成",
    },
    actions: { finish: "完成", cancel: "取消", removeLastVertex: "撤销上一个顶点" },
    buttonTitles: {
      drawPolyButton: "绘制新地块",
      drawLineButton: "绘制分割线",
      editButton: "编辑顶点：拖动移动，单击中点添加，右键删除",
      cutButton: "挖洞：在地块内画出洞的范围",
      deleteButton: "删除所画图形",
      snappingButton: "吸附到相邻地块的顶点和边",
    },
  };
  var EN_OVERRIDE = {
    tooltips: { finishLine: "Click the last vertex to finish", finishPoly: "Click the first vertex to close the shape" },
    buttonTitles: {
      drawPolyButton: "Draw a new parcel",
      drawLineButton: "Draw a split line",
      editButton: "Edit vertices: drag to move, click a midpoint to add, right-click to delete",
      cutButton: "Cut a hole: draw the hole inside the parcel",
      deleteButton: "Delete what was drawn",
      snappingButton: "Snap to neighbouring parcels' vertices and edges",
    },
  };

  var STYLES = {
    neighbour: { color: "#1565c0", weight: 1, opacity: 0.6, fill: false, dashArray: "2 3" },
    target: { color: "#ff6f00", weight: 3, fillColor: "#ffb74d", fillOpacity: 0.25 },
    preview: { color: "#1e88e5", weight: 2, dashArray: "6 4", fillColor: "#64b5f6", fillOpacity: 0.25 },
    problem: { color: "#d50000", weight: 3, fillColor: "#ff1744", fillOpacity: 0.45 },
    version: { color: "#8e24aa", weight: 2.5, dashArray: "4 4", fillColor: "#ce93d8", fillOpacity: 0.2 },
    line: { color: "#d81b60", weight: 3 },
    drawn: { color: "#2e7d32", weight: 2.5, fillColor: "#66bb6a", fillOpacity: 0.3 },
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // GeoJSON positions [lng, lat] <-> Leaflet latlngs, without rounding
  // (Leaflet's toGeoJSON rounds to 6 decimals, 0.1 m: too coarse for snapping).
  function ringToLatLngs(ring) {
    var out = ring.map(function (p) {
      return L.latLng(p[1], p[0]);
    });
    if (out.length > 1 && out[0].equals(out[out.length - 1], 0)) out.pop();
    return out;
  }
  function polygonsOf(geom) {
    if (!geom) return [];
    if (geom.type === "Polygon") return [geom.coordinates];
    if (geom.type === "MultiPolygon") return geom.coordinates;
    return [];
  }
  function toLatLngs(polygon) {
    return polygon.map(ringToLatLngs);
  }
  function ringCoords(latlngs) {
    var ring = latlngs.map(function (ll) {
      return [ll.lng, ll.lat];
    });
    if (ring.length) ring.push([ring[0][0], ring[0][1]]);
    return ring;
  }
  function polygonCoords(layer) {
    var lls = layer.getLatLngs();
    // L.Polygon: [outer, hole…] (or [[outer, hole…], …] for a multipolygon)
    var polys = lls.length && Array.isArray(lls[0]) && Array.isArray(lls[0][0]) ? lls : [lls];
    return polys.map(function (rings) {
      return rings.map(ringCoords);
    });
  }
  function areaM2(layer) {
    var a = 0;
    polygonCoords(layer).forEach(function (rings) {
      rings.forEach(function (ring, k) {
        var lls = ring.slice(0, -1).map(function (p) {
          return L.latLng(p[1], p[0]);
        });
        a += (k === 0 ? 1 : -1) * root.TL.measureArea(lls);
      });
    });
    return a;
  }
  function fmtArea(m2, lang) {
    var loc = lang === "zh" ? "zh-CN" : "en-US";
    var mu = (m2 / M2_PER_MU).toLocaleString(loc, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    var sq = m2.toLocaleString(loc, { maximumFractionDigits: 0 });
    return mu + (lang === "zh" ? " 亩" : " mu") + " · " + sq + " m²";
  }
  function metresPerPixel(map) {
    var lat = map.getCenter().lat;
    return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / Math.pow(2, map.getZoom() + 8);
  }

  function Editor(state, edit, send) {
    this.state = state;
    this.map = state.map;
    this.edit = edit;
    this.send = send;
    this.seq = 0;
    this.layers = [];
    this.drawn = [];
    this.overlay = L.layerGroup().addTo(this.map);
    this.overlaySig = null;
    this.busy = false;
    this._start();
  }

  // Map handlers of this editor, removed with it (the map's own stay).
  Editor.prototype._on = function (name, fn) {
    this.handlers = this.handlers || [];
    this.handlers.push([name, fn]);
    this.map.on(name, fn, this);
  };

  Editor.prototype._own = function (layer) {
    this.layers.push(layer);
    return layer.addTo(this.map);
  };

  Editor.prototype._start = function () {
    var self = this,
      map = this.map,
      e = this.edit,
      t = e.text || {};
    if (!PM || e.tools === false) {
      this.state.inst.measuring = false; // clicks pick parcels
      return;
    }
    // With opt-in a map made before or after this file gets no geoman of its own.
    if (!this.map.pm) this.map.pm = new L.PM.Map(this.map);
    var lang = e.lang === "en" ? "en" : "zh";
    if (lang === "zh") map.pm.setLang("tenglong-zh", ZH, "zh");
    else map.pm.setLang("tenglong-en", EN_OVERRIDE, "en");
    // Neighbours: snapping targets only (not editable, not removable, not clickable).
    (e.neighbours || []).forEach(function (g) {
      polygonsOf(g).forEach(function (poly) {
        self._own(
          L.polygon(
            toLatLngs(poly),
            L.extend({}, STYLES.neighbour, {
              pmIgnore: false,
              snapIgnore: false,
              interactive: false,
              allowEditing: false,
              allowRemoval: false,
              allowCutting: false,
              allowRotation: false,
              draggable: false,
            })
          )
        );
      });
    });
    this.info = this._infoControl(t);
    this._snapPx();
    this._on("zoomend", this._snapPx);
    this.state.inst.measuring = e.mode !== "select"; // clicks draw: they identify nothing
    map.getContainer().classList.add("tl-editing");
    if (e.mode === "draw") this._draw();
    else if (e.mode === "line") this._line();
    else if (e.mode === "reshape") this._reshape();
  };

  Editor.prototype._snapPx = function () {
    var snapM = Number(this.edit.snap_m || 0);
    var px = snapM > 0 ? Math.max(4, Math.min(60, snapM / metresPerPixel(this.map))) : 0;
    this.map.pm.setGlobalOptions({
      snappable: snapM > 0,
      snapDistance: px,
      snapSegment: true,
      allowSelfIntersection: false,
      templineStyle: STYLES.line,
      hintlineStyle: L.extend({}, STYLES.line, { dashArray: "5 5" }),
      // opt-in: what is drawn takes part in editing and cutting (holes)
      pathOptions: L.extend({}, STYLES.drawn, { pmIgnore: false }),
    });
  };

  Editor.prototype._infoControl = function (t) {
    var self = this;
    var Ctl = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = el("div", "tl-control tl-edit-info");
        L.DomEvent.disableClickPropagation(box);
        box.appendChild(el("div", "tl-edit-title", t.title || ""));
        self.hint = box.appendChild(el("div", "tl-edit-hint", t.hint || ""));
        self.live = box.appendChild(el("div", "tl-edit-area", ""));
        self.live.setAttribute("data-testid", "tl-edit-area");
        if (self.edit.snap_m) box.appendChild(el("div", "tl-edit-snap", t.snap || ""));
        var row = box.appendChild(el("div", "tl-edit-buttons"));
        if (self.edit.mode === "draw" || self.edit.mode === "reshape") {
          var use = row.appendChild(el("button", "tl-edit-use", t.use || "OK"));
          use.type = "button";
          use.addEventListener("click", function () {
            self._sendShape();
          });
        }
        if (self.edit.mode === "draw" || self.edit.mode === "line") {
          var again = row.appendChild(el("button", "tl-edit-again", t.again || "Redraw"));
          again.type = "button";
          again.addEventListener("click", function () {
            self._clearDrawn();
            if (self.edit.mode === "line") self._line();
            else self.map.pm.enableDraw("Polygon");
          });
        }
        return box;
      },
    });
    return new Ctl().addTo(this.map);
  };

  Editor.prototype._showArea = function (m2, prefix) {
    if (!this.live) return;
    var lang = this.edit.lang === "en" ? "en" : "zh";
    this.live.textContent = (prefix || (this.edit.text || {}).area || "") + " " + fmtArea(m2, lang);
  };

  Editor.prototype._emit = function (geometry) {
    this.seq += 1;
    this.send("edit", { mode: this.edit.mode, geometry: geometry, seq: this.seq, nonce: this.edit.nonce || 0 });
  };

  Editor.prototype._clearDrawn = function () {
    var map = this.map;
    this.drawn.forEach(function (l) {
      map.removeLayer(l);
    });
    this.drawn = [];
  };

  // --- draw: a new polygon, holes with the cut tool, then "use"
  Editor.prototype._draw = function () {
    var self = this,
      map = this.map;
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawRectangle: false,
      drawCircle: false,
      drawText: false,
      dragMode: false,
      rotateMode: false,
      drawPolygon: true,
      cutPolygon: true,
      editMode: true,
      removalMode: true,
    });
    this.controls = true;
    this._on("pm:drawstart", this._onDrawStart);
    this._on("pm:create", function (ev) {
      if (ev.shape !== "Polygon") return;
      self.drawn.push(ev.layer);
      self._watch(ev.layer);
      self._showArea(areaM2(ev.layer));
    });
    this._on("pm:cut", function (ev) {
      self.drawn = self.drawn.filter(function (l) {
        return l !== ev.originalLayer;
      });
      self.drawn.push(ev.layer);
      self._watch(ev.layer);
      self._showArea(areaM2(ev.layer));
    });
    this._on("pm:remove", function (ev) {
      self.drawn = self.drawn.filter(function (l) {
        return l !== ev.layer;
      });
    });
    // After any drawing (a hole cut too) the area of everything drawn so far.
    this._on("pm:drawend", function () {
      root.setTimeout(function () {
        var a = 0;
        self.drawn.forEach(function (l) {
          a += areaM2(l);
        });
        if (self.drawn.length) self._showArea(a);
      }, 0);
    });
    this._on("pm:globalcutmodetoggled", function (ev) {
      if (ev.enabled) map.pm.Draw.Cut.setOptions({ layersToCut: self.drawn });
    });
    map.pm.enableDraw("Polygon");
  };

  // Live area while a shape is drawn: the vertices so far and the pointer.
  Editor.prototype._onDrawStart = function (ev) {
    var self = this,
      wl = ev.workingLayer;
    if (!wl || ev.shape === "Line" || ev.shape === "Cut") return; // a hole: the area after the cut
    var update = function (pointer) {
      var lls = wl.getLatLngs().slice();
      if (pointer) lls.push(pointer);
      if (lls.length >= 3) self._showArea(root.TL.measureArea(lls));
    };
    wl.on("pm:vertexadded", function () {
      update(null);
    });
    if (this._drawMove) this.map.off("mousemove", this._drawMove, this);
    this._drawMove = function (me) {
      if (self.map.pm.Draw.getActiveShape && self.map.pm.Draw.getActiveShape()) update(me.latlng);
    };
    this._on("mousemove", this._drawMove);
  };

  Editor.prototype._watch = function (layer) {
    var self = this;
    var update = function () {
      self._showArea(areaM2(layer));
    };
    layer.on("pm:markerdrag pm:vertexadded pm:vertexremoved pm:edit", update);
  };

  // --- line: a split line across the selected parcel, sent when finished
  Editor.prototype._line = function () {
    var self = this,
      map = this.map,
      t = this.edit.text || {};
    if (!this.target) this.target = this._targetLayers(false); // once: "redraw" reuses it
    var target = this.target;
    var area = 0;
    target.forEach(function (l) {
      area += areaM2(l);
    });
    this._showArea(area, t.parcel_area);
    if (!this._lineWired) {
      this._lineWired = true;
      this._on("pm:drawstart", function (ev) {
        if (ev.shape !== "Line") return;
        var wl = ev.workingLayer;
        var show = function (pointer) {
          var lls = wl.getLatLngs().slice();
          if (pointer) lls.push(pointer);
          var lang = self.edit.lang === "en" ? "en" : "zh";
          var len = root.TL.measureLength(lls);
          self.live.textContent =
            (t.parcel_area || "") + " " + fmtArea(area, lang) + " · " + (t.line_length || "") + " " + root.TL.formatLength(len, lang);
        };
        wl.on("pm:vertexadded", function () {
          show(null);
        });
        if (self._lineMove) map.off("mousemove", self._lineMove, self);
        self._lineMove = function (me) {
          if (map.pm.Draw.getActiveShape && map.pm.Draw.getActiveShape() === "Line") show(me.latlng);
        };
        self._on("mousemove", self._lineMove);
      });
      this._on("pm:create", function (ev) {
        if (ev.shape !== "Line") return;
        var coords = ev.layer.getLatLngs().map(function (ll) {
          return [ll.lng, ll.lat];
        });
        ev.layer.setStyle(STYLES.line);
        self.drawn.push(ev.layer);
        self._emit({ type: "LineString", coordinates: coords });
      });
    }
    map.pm.enableDraw("Line", { finishOn: null });
  };

  Editor.prototype._targetLayers = function (editable) {
    var self = this,
      out = [];
    var style = L.extend({}, STYLES.target, { pmIgnore: !editable, snapIgnore: true });
    polygonsOf(this.edit.target).forEach(function (poly) {
      out.push(self._own(L.polygon(toLatLngs(poly), style)));
    });
    return out;
  };

  // --- reshape: the selected parcel's vertices, then "use"
  Editor.prototype._reshape = function () {
    var layers = this._targetLayers(true);
    if (!layers.length) return;
    this.shape = layers;
    var self = this;
    layers.forEach(function (layer) {
      layer.pm.enable({ snappable: Number(self.edit.snap_m || 0) > 0, allowSelfIntersection: false });
      self._watch(layer);
    });
    var total = 0;
    layers.forEach(function (l) {
      total += areaM2(l);
    });
    this._showArea(total);
  };

  Editor.prototype._sendShape = function () {
    var layers = this.edit.mode === "reshape" ? this.shape || [] : this.drawn;
    var polys = [];
    layers.forEach(function (l) {
      polys = polys.concat(polygonCoords(l));
    });
    if (!polys.length) return;
    this._emit(polys.length === 1 ? { type: "Polygon", coordinates: polys[0] } : { type: "MultiPolygon", coordinates: polys });
  };

  // Geometries from the server: lot previews, problems, a history version.
  Editor.prototype.setOverlay = function (overlay) {
    var sig = overlay ? overlay.sig : null;
    if (sig === this.overlaySig) return;
    this.overlaySig = sig;
    this.overlay.clearLayers();
    var group = this.overlay;
    ((overlay && overlay.features) || []).forEach(function (f) {
      var style = L.extend({}, STYLES[f.kind] || STYLES.preview, { interactive: !!f.label });
      polygonsOf(f.geometry).forEach(function (poly) {
        var layer = L.polygon(toLatLngs(poly), style).addTo(group);
        if (f.label) {
          layer.bindTooltip(el("span", "tl-edit-label", f.label), {
            permanent: true,
            direction: "center",
            className: "tl-edit-tooltip tl-edit-" + f.kind,
          });
        }
      });
      if (f.geometry && f.geometry.type === "LineString") {
        L.polyline(
          f.geometry.coordinates.map(function (p) {
            return L.latLng(p[1], p[0]);
          }),
          STYLES.line
        ).addTo(group);
      }
    });
  };

  Editor.prototype.remove = function () {
    var map = this.map;
    try {
      if (!map.pm) throw new Error("no tools");
      map.pm.disableDraw();
      map.pm.disableGlobalEditMode();
      map.pm.disableGlobalCutMode && map.pm.disableGlobalCutMode();
      map.pm.disableGlobalRemovalMode();
    } catch (err) {
      /* the map may already be gone */
    }
    if (this.controls && map.pm) map.pm.removeControls();
    (this.handlers || []).forEach(function (h) {
      map.off(h[0], h[1], this);
    }, this);
    this.handlers = [];
    this._clearDrawn();
    this.layers.forEach(function (l) {
      map.removeLayer(l);
    });
    this.layers = [];
    map.removeLayer(this.overlay);
    if (this.info) map.removeControl(this.info);
    this.state.inst.measuring = false;
    map.getContainer().classList.remove("tl-editing");
  };

  // The component calls this on every update: same sig, only the overlay and
  // the callback change; a new sig (mode, parcel, neighbours) restarts the tools.
  root.TLEdit = {
    update: function (state, edit, send) {
      if (state.edit && (!edit || state.edit.edit.sig !== edit.sig)) {
        state.edit.remove();
        state.edit = null;
      }
      if (!edit) return;
      if (!state.edit) state.edit = new Editor(state, edit, send);
      state.edit.send = send;
      state.edit.setOverlay(edit.overlay || null);
    },
  };
})(window);
