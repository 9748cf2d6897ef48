/* Maps without internet. Basemap tiles load in the browser from their tile server; offline (or behind a
   firewall) each tile fetch fails. plotly turns the first failure during a draw into a rejected "Map error."
   promise, and keeps that rejection in the graph's pending promises, so every later update of the same
   map would wait on it forever: the data layers would stop changing. This wraps Plotly.react so that a
   "Map error." (and only that) resolves the draw and clears the pending promises; the data layers are
   drawn regardless of the tiles. Any other error still propagates.

   Area names. A figure may carry names to write on its map (layout.meta.kith_labels: text, lat, lon, the
   most important first). They are drawn here as plain HTML over the map, not as map text, because map
   text needs the tile server's fonts, which do not load offline. After every draw and every pan or zoom,
   names are placed in order and one that would overlap a name already placed (or leave the map) is left
   out: zoomed out, the largest areas are named; zoomed in, more.

   Shapes at a URL. Several traces of one map (the access classes) share one GeoJSON URL. plotly fetches it
   for the first and makes the others poll for it, giving up after 5 s: on a slow network or a busy machine
   the draw then fails and the map shows no data at all. So before plotly draws, each URL a figure names is
   fetched here once and handed to plotly's cache (window.PlotlyGeoAssets); the draws of one graph keep
   their order. A fetch that fails is left to plotly, which fetches again and reports it.

   Tiles that fail late. plotly adds a map's data once the map library fires "load", which it fires only
   while drawing a frame once every tile has loaded or failed. A failed tile draws no frame: when the last
   tile failed after the last frame, "load" never came and the map showed no data until it was moved.
   So each failure on a map (the first is the "Map error." of its first draw) asks for one more frame.
   The map library prints an error nobody listens to; since this listens, it prints them itself.

   Figures given before "load". plotly's first draw of a map runs at "load" with the figure the map was
   made for, undoing any figure drawn since (a ZIP searched while the tiles still came: the map jumped
   back and lost the ZIP's outline). So a graph drawn again before its map's "load" is drawn once more
   after it, with its latest figure; and a draw waits for an earlier draw of its graph only until that
   one is handed to plotly, never until its tiles are in. */
(function () {
  function isMapError(error) { return !!error && error.message === "Map error."; }

  function subplotOf(gd) {  // plotly's map subplot of a graph, once it has one
    var full = gd && gd._fullLayout;
    return (full && full.map && full.map._subplot) || null;
  }

  function mapOf(gd) {
    var sub = subplotOf(gd);
    return sub ? sub.map : null;
  }

  function drawLabels(gd) {
    var map = mapOf(gd);
    if (!map) { return; }
    var meta = (gd.layout && gd.layout.meta) || {};
    var labels = meta.kith_labels || [];
    var box = map.getContainer();
    var layer = box.querySelector(":scope > .kith-labels");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "kith-labels";
      box.appendChild(layer);
    }
    if (!map.kithLabels) {
      map.kithLabels = true;
      var pending = false;
      map.on("move", function () {
        if (pending) { return; }
        pending = true;
        window.requestAnimationFrame(function () { pending = false; drawLabels(gd); });
      });
    }
    layer.textContent = "";
    var width = box.clientWidth, height = box.clientHeight, placed = [];
    labels.forEach(function (label) {
      var p = map.project([label.lon, label.lat]);
      if (p.x < 0 || p.y < 0 || p.x > width || p.y > height) { return; }
      var el = document.createElement("div");
      el.className = "kith-label" + (label.focus ? " kith-label-focus" : "");
      el.textContent = label.text;
      layer.appendChild(el);
      var w = el.offsetWidth, h = el.offsetHeight;
      var r = { x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2 };
      var clash = r.x0 < 0 || r.y0 < 0 || r.x1 > width || r.y1 > height || placed.some(function (q) {
        return !(r.x1 + 4 < q.x0 || r.x0 > q.x1 + 4 || r.y1 + 2 < q.y0 || r.y0 > q.y1 + 2);
      });
      if (clash) { layer.removeChild(el); return; }
      placed.push(r);
      el.style.left = r.x0 + "px";
      el.style.top = r.y0 + "px";
    });
  }

  function repaintOnErrors(gd) {  // every failure on the map draws a frame, which says "load" if all is in
    var map = mapOf(gd);
    if (!map) { return; }
    if (!map.kithRepaintOnErrors) {
      map.kithRepaintOnErrors = true;
      map.on("error", function (event) {
        map.triggerRepaint();
        console.error((event && event.error) || event);
      });
    }
    map.triggerRepaint();
  }

  var fetching = {};  // URL -> the promise of its one fetch, while it runs

  function shapesFetched(figure) {  // the fetches a draw of ``figure`` must wait for
    var traces = Array.isArray(figure) ? figure : (figure && figure.data) || [];
    var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    var waits = [];
    traces.forEach(function (trace) {
      var url = trace && trace.geojson;
      if (typeof url !== "string" || (assets[url] && assets[url] !== "pending")) { return; }
      if (!fetching[url]) {
        fetching[url] = fetch(url, { credentials: "same-origin" })
          .then(function (response) {
            if (!response.ok) { throw new Error("HTTP " + response.status); }
            return response.json();
          })
          .then(function (shapes) { assets[url] = shapes; }, function () { /* plotly tries and reports it */ })
          .then(function () { delete fetching[url]; });
      }
      waits.push(fetching[url]);
    });
    return waits;
  }

  function redrawOnLoad(gd) {  // a figure given to a map plotly is still making is drawn again once it is made
    var sub = subplotOf(gd);
    var map = sub && sub.map;
    if (!map || sub.viewInitial || map.kithRedrawOnLoad) { return; }  // no map, or made (it then has a view)
    map.kithRedrawOnLoad = true;
    map.once("load", function () {
      window.setTimeout(function () {  // after plotly has drawn the map's first figure
        if (mapOf(gd) !== map) { return; }
        var layout = Object.assign({}, gd.layout, { datarevision: "kith-load-" + Date.now() });
        window.Plotly.react(gd, gd.data, layout);
      }, 0);
    });
  }

  function wrap(plotly) {
    if (!plotly || !plotly.react || plotly.react.kithWrapped) { return plotly; }
    var react = plotly.react;
    function hand(self, args, div) {  // the draw handed to plotly
      redrawOnLoad(div);
      return react.apply(self, args);
    }
    plotly.react = function (gd) {
      var args = arguments, self = this;
      var div = typeof gd === "string" ? document.getElementById(gd) : gd;
      var waits = shapesFetched(args[1]);
      var before = div && div._kithTurn;  // an earlier draw of this graph not yet handed to plotly
      var draw;
      if (!waits.length && !before) {
        draw = hand(self, args, div);  // nothing to wait for: drawn at once, as plotly would
      } else {
        if (before) { waits.push(before); }
        var handed = Promise.all(waits).then(function () { return [hand(self, args, div)]; });
        draw = handed.then(function (drawing) { return drawing[0]; });
        if (div) {  // the next draw waits until this one is handed over, not until it is done
          var turn = handed.then(function () {}, function () {});
          div._kithTurn = turn;
          turn.then(function () { if (div._kithTurn === turn) { div._kithTurn = null; } });
        }
      }
      return draw.catch(function (error) {
        if (!isMapError(error)) { throw error; }
        if (div) { div._promises = []; }
        repaintOnErrors(div);
        return div;
      }).then(function (result) {
        try { drawLabels(div); } catch (e) { /* names are a help, never a reason for a draw to fail */ }
        return result;
      });
    };
    plotly.react.kithWrapped = true;
    return plotly;
  }
  var current = window.Plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = wrap(value); },
  });
  wrap(current);
  window.kithDrawLabels = drawLabels;
  window.addEventListener("unhandledrejection", function (event) {
    if (isMapError(event.reason)) { event.preventDefault(); }
  });
})();
