/* Maps without internet. Basemap tiles load in the browser from their tile server; offline (or behind a
   firewall) each tile fetch fails. plotly turns the first failure during a draw into a rejected "Map error."
   promise, and keeps that rejection in the graph's pending promises, so every later update of the same
   map would wait on it forever: the data layers would stop changing. This wraps Plotly.react so that a
   "Map error." (and only that) resolves the draw and clears the pending promises; the data layers are
   drawn regardless of the tiles. Any other error still propagates. */
(function () {
  function isMapError(error) { return !!error && error.message === "Map error."; }
  function wrap(plotly) {
    if (!plotly || !plotly.react || plotly.react.kithWrapped) { return plotly; }
    var react = plotly.react;
    plotly.react = function (gd) {
      var args = arguments;
      return react.apply(this, args).catch(function (error) {
        if (!isMapError(error)) { throw error; }
        var div = typeof gd === "string" ? document.getElementById(gd) : gd;
        if (div) { div._promises = []; }
        return div;
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
  window.addEventListener("unhandledrejection", function (event) {
    if (isMapError(event.reason)) { event.preventDefault(); }
  });
})();
