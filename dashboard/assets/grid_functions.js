/* Functions the data grids name in their column definitions (dash-ag-grid looks them up here).
   kithOrderBy(field): a comparator that sorts a column shown as text ("<10", "*", a band) by the
   number its row carries in `field`, so a hidden count sorts among the shown ones. */
(function () {
  var functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  functions.kithOrderBy = function (field) {
    return function (valueA, valueB, nodeA, nodeB) {
      var a = nodeA && nodeA.data ? Number(nodeA.data[field]) : NaN;
      var b = nodeB && nodeB.data ? Number(nodeB.data[field]) : NaN;
      if (isNaN(a)) { a = -Infinity; }
      if (isNaN(b)) { b = -Infinity; }
      return a === b ? 0 : (a < b ? -1 : 1);
    };
  };
})();
