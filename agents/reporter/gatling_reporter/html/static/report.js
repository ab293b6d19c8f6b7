/* gatling-fleet report: draws the page's charts from its one data object with Apache ECharts
 * and makes the statistics table's groups collapsible. Text from the run (request names,
 * scenario names, messages) only ever reaches the DOM as text: textContent here; ECharts draws
 * legends and axes on a canvas (text, never markup), and the one place it writes HTML, the
 * tooltip, goes through tooltipFor(), which escapes every name with echarts' own encodeHTML. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("report-data").textContent);

  function escape(text) {
    return echarts.format.encodeHTML(String(text));
  }

  var COLORS = ["#2f5d9e", "#e07b39", "#3f9e6e", "#8c5fb5", "#c9a227", "#2aa1b3", "#d4507a",
    "#6b7a8f", "#9c6b3c", "#5a9e2f"];
  var FIXED = { OK: "#2e8b57", KO: "#c0392b" };
  var INK = "#1d2330";
  var NARROW = window.matchMedia("(max-width: 600px)").matches;

  function colorOf(series, index) {
    return series.color || FIXED[series.name] || COLORS[index % COLORS.length];
  }

  function number(value) {
    if (value === null || value === undefined || value === "-") { return "-"; }
    return typeof value === "number" ? echarts.format.addCommas(+value.toFixed(2)) : value;
  }

  // The tooltip is HTML: our markup around escaped names (the run's) and numbers.
  function tooltipFor(chart) {
    return function (params) {
      var items = Array.isArray(params) ? params : [params];
      if (!items.length) { return ""; }
      var first = items[0];
      var axis = first.axisValue !== undefined ? first.axisValue
        : (Array.isArray(first.value) ? first.value[0] : "");
      var head = chart.xType === "date"
        ? echarts.time.format(axis, "{yyyy}-{MM}-{dd} {HH}:{mm}:{ss} UTC", true)
        : number(Number(axis)) + (chart.xTitle ? " " + chart.xTitle : "");
      var lines = items.map(function (p) {
        var value = valueOf(p);
        return '<div class="tip-row">' + p.marker + '<span class="tip-name">' +
          escape(p.seriesName) + '</span><span class="tip-value">' + escape(number(value)) +
          "</span></div>";
      });
      return '<div class="tip-head">' + escape(head) + "</div>" + lines.join("");
    };
  }

  // Percentile bands are drawn stacked: each series holds its rise over the one below, and the
  // tooltip shows the real value, kept in `raw`.
  function bandData(chart, index, x) {
    var below = index > 0 ? chart.series[index - 1].y : null;
    return chart.series[index].y.map(function (y, i) {
      var rise = (y === null || (below && below[i] === null)) ? null : y - (below ? below[i] : 0);
      return { value: [x[i], rise], raw: y };
    });
  }

  function isolated(y) {
    return y.map(function (v, i) {
      return v !== null && (i === 0 || y[i - 1] === null) && (i === y.length - 1 || y[i + 1] === null);
    });
  }

  function pairs(series, x) {
    return series.y.map(function (y, i) { return [x[i], y]; });
  }

  function seriesFor(chart, series, index) {
    var color = colorOf(series, index);
    var x = series.x || chart.x || data.time;
    var out = { name: series.name, color: color };
    if (chart.kind === "bar") {
      out.type = "bar";
      out.data = series.y;
      if (chart.barmode === "stack") { out.stack = "bars"; }
      out.barCategoryGap = "10%";
      return out;
    }
    if (chart.kind === "scatter") {
      out.type = "scatter";
      out.symbolSize = 6;
      out.data = pairs(series, x);
      return out;
    }
    out.type = "line";
    // A lone point between gaps has no line to show it: such points, and only those, get a dot.
    var lone = isolated(series.y);
    // Symbols cost a drawn element per point: only series with a lone point get them.
    out.showSymbol = lone.indexOf(true) >= 0;
    out.symbolSize = function (value, params) { return lone[params.dataIndex] ? 5 : 0; };
    out.lineStyle = { width: 1.6 };
    if (series.baseline) {
      // The --baseline's line: dotted, in one colour that none of the run's own lines uses.
      out.color = series.name.indexOf("p50") >= 0 ? "#c98a2b" : "#a0522d";
      out.lineStyle = { width: 1.8, type: "dotted" };
      out.data = pairs(series, x);
      return out;
    }
    if (chart.kind === "bands" && series.line) {
      out.lineStyle = { width: 1.6, type: "dashed" };
      out.data = pairs(series, x);
      return out;
    }
    if (chart.kind === "bands") {
      out.stack = "bands";
      out.data = bandData(chart, index, x);
      out.areaStyle = { opacity: index === 0 ? 0 : 0.85 };
      out.lineStyle = { width: 1 };
      return out;
    }
    out.data = pairs(series, x);
    return out;
  }

  function valueOf(point) {
    if (point.data && point.data.raw !== undefined) { return point.data.raw; }
    return Array.isArray(point.value) ? point.value[1] : point.value;
  }

  function zoomFor(chart) {
    if (chart.xType !== "date") { return undefined; }
    // Wheel/drag zoom inside the chart and a range slider under it.
    return [{ type: "inside", filterMode: "none" },
      { type: "slider", height: 16, bottom: 26, filterMode: "none" }];
  }

  function xAxisFor(chart) {
    var axis = {
      axisLabel: { color: INK, hideOverlap: true },
      axisLine: { lineStyle: { color: "#9aa3b2" } },
      name: chart.xTitle || "",
      nameLocation: "middle",
      nameGap: 26
    };
    if (chart.kind === "bar") {
      axis.type = "category";
      var first = chart.series[0] || { x: [] };
      axis.data = (first.x || chart.x || []).map(function (v) { return String(v); });
    } else {
      axis.type = chart.xType === "date" ? "time" : "value";
      if (axis.type === "value") { axis.scale = true; }
      // Inputs hours apart: the empty span between them is cut out of the axis, not drawn.
      if (axis.type === "time" && data.breaks && data.breaks.length) {
        axis.breaks = data.breaks.map(function (b) { return { start: b[0], end: b[1], gap: "3%" }; });
        axis.breakArea = { itemStyle: { color: "#eef1f6" }, zigzagAmplitude: 3 };
      }
    }
    if (NARROW) { axis.splitNumber = 3; }
    return axis;
  }

  function optionFor(chart) {
    return {
      animation: false,
      useUTC: true,
      color: COLORS,
      textStyle: { fontFamily: "system-ui, sans-serif", color: INK },
      grid: { left: NARROW ? 8 : 12, right: 16, top: 30,
        bottom: (chart.xTitle ? 62 : 48) + (chart.xType === "date" ? 24 : 0) },
      dataZoom: zoomFor(chart),
      legend: {
        type: "scroll",
        bottom: 0,
        icon: "roundRect",
        itemWidth: 14,
        itemHeight: 8,
        textStyle: { color: INK }
      },
      tooltip: {
        confine: true,
        className: "chart-tip",
        trigger: chart.kind === "scatter" ? "item" : "axis",
        axisPointer: { type: chart.kind === "bar" ? "shadow" : "line" },
        formatter: tooltipFor(chart)
      },
      xAxis: xAxisFor(chart),
      yAxis: {
        type: "value",
        name: chart.yTitle || "",
        nameTextStyle: { color: INK, align: "left" },
        axisLabel: { color: INK },
        min: 0,
        splitLine: { lineStyle: { color: "#e3e7ee" } }
      },
      series: chart.series.map(function (s, i) { return seriesFor(chart, s, i); })
    };
  }

  var instances = [];

  function drawChart(chart) {
    var node = document.getElementById("chart-" + chart.id);
    if (!node) { return Promise.resolve(); }
    var points = chart.series.reduce(function (n, s) { return n + s.y.length; }, 0);
    node.setAttribute("data-points", String(points));
    var instance = echarts.init(node, null, { renderer: "canvas" });
    instances.push(instance);
    return new Promise(function (resolve) {
      instance.on("finished", function done() {
        instance.off("finished", done);
        node.setAttribute("data-rendered", "1");
        resolve();
      });
      instance.setOption(optionFor(chart));
    });
  }

  function drawCharts() {
    return Promise.all((data.charts || []).map(drawChart));
  }

  function resizeAll() {
    instances.forEach(function (instance) { instance.resize(); });
  }

  var resizeQueued = false;
  window.addEventListener("resize", function () {
    if (resizeQueued) { return; }
    resizeQueued = true;
    window.requestAnimationFrame(function () { resizeQueued = false; resizeAll(); });
  });
  // Print: the page's print CSS changes the charts' width; redraw at that size, then back.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);

  function setupToggles() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-node]"));
    var collapsed = {};
    function refresh() {
      rows.forEach(function (row) {
        var ancestors = (row.getAttribute("data-ancestors") || "").split(" ").filter(Boolean);
        row.hidden = ancestors.some(function (id) { return collapsed[id]; });
      });
    }
    document.querySelectorAll("button.toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        var id = button.getAttribute("data-target");
        collapsed[id] = !collapsed[id];
        button.textContent = collapsed[id] ? "+" : "\u2212";
        button.setAttribute("aria-expanded", collapsed[id] ? "false" : "true");
        refresh();
      });
    });
  }

  // The menu of requests and groups comes once from js/nav.js; names only ever as text.
  function drawNav() {
    var list = document.getElementById("nav");
    var items = window.REPORT_NAV || [];
    if (!list) { return; }
    var page = document.body.getAttribute("data-page");
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = item[3] + " depth-" + item[2];
      var a = document.createElement("a");
      a.href = item[0];
      a.textContent = item[1];
      a.title = item[1];
      if (item[0] === page) { a.className = "current"; a.setAttribute("aria-current", "page"); }
      li.appendChild(a);
      fragment.appendChild(li);
    });
    list.appendChild(fragment);
  }

  function cellValue(row, column) {
    var cell = row.cells[column];
    var text = cell ? cell.textContent.trim() : "";
    var number = parseFloat(text.replace(/,/g, ""));
    return isNaN(number) ? null : number;
  }

  // Sorting shows the rows flat (groups' order no longer holds); a second click reverses.
  function setupSorting(table) {
    var body = table.tBodies[0];
    var original = Array.prototype.slice.call(body.rows);
    var total = original.filter(function (r) { return r.classList.contains("total"); });
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var column = +th.getAttribute("data-sort");
        var descending = th.getAttribute("aria-sort") !== "descending";
        table.querySelectorAll("th[data-sort]").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var rows = original.filter(function (r) { return total.indexOf(r) < 0; });
        rows.sort(function (a, b) {
          var x = cellValue(a, column), y = cellValue(b, column);
          if (x === y) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return descending ? y - x : x - y;
        });
        total.concat(rows).forEach(function (r) { body.appendChild(r); });
        table.classList.add("sorted");
      });
    });
  }

  function setupFilter(table) {
    var input = document.getElementById("stats-filter");
    if (!input) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        if (row.classList.contains("total")) { return; }
        var name = row.querySelector(".node-name");
        var text = name ? name.textContent.toLowerCase() : "";
        row.classList.toggle("filtered-out", needle !== "" && text.indexOf(needle) < 0);
      });
    });
  }

  function setupTable() {
    var table = document.getElementById("stats-table");
    if (!table) { return; }
    setupSorting(table);
    setupFilter(table);
  }

  function foldNavOnPhones() {
    var nav = document.querySelector(".side details");
    if (nav && window.matchMedia("(max-width: 860px)").matches) { nav.open = false; }
  }

  drawNav();
  foldNavOnPhones();
  setupToggles();
  setupTable();
  drawCharts().then(function () {
    document.body.setAttribute("data-charts-ready", "1");
    window.__reportReadyAt = performance.now();
  }, function (error) {
    console.error("chart rendering failed: " + error);
  });
})();
