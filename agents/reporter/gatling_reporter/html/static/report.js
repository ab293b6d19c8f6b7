/* gatling-fleet report: draws the page's charts from its one data object and makes the
 * statistics table's groups collapsible. Text from the run (request names, messages) only ever
 * reaches the DOM as text: textContent here, entity-escaped labels for Plotly (which reads a
 * small HTML subset in labels). */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("report-data").textContent);

  function label(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  var COLORS = ["#2f5d9e", "#e07b39", "#3f9e6e", "#8c5fb5", "#c9a227", "#2aa1b3", "#d4507a",
    "#6b7a8f", "#9c6b3c", "#5a9e2f"];
  var FIXED = { OK: "#2e8b57", KO: "#c0392b" };

  function traceFor(chart, series, index) {
    var color = series.color || FIXED[series.name] || COLORS[index % COLORS.length];
    var x = series.x || chart.x || data.time;
    var trace = {
      x: chart.xType === "date" ? x.map(function (ms) { return new Date(ms); }) : x,
      y: series.y,
      name: label(series.name),
      hovertemplate: "%{y}<extra>" + label(series.name) + "</extra>",
      marker: { color: color },
      line: { color: color, width: 1.6 }
    };
    if (chart.kind === "bar") {
      trace.type = "bar";
    } else {
      trace.type = "scatter";
      trace.mode = "lines";
      if (chart.kind === "area") { trace.stackgroup = series.stack || "one"; }
    }
    return trace;
  }

  var NARROW = window.matchMedia("(max-width: 600px)").matches;

  function layoutFor(chart) {
    return {
      margin: { l: NARROW ? 44 : 56, r: 12, t: 10, b: 40 },
      barmode: chart.barmode || "group",
      hovermode: "x unified",
      showlegend: true,
      legend: { orientation: "h", y: -0.2, yanchor: "top" },
      xaxis: {
        type: chart.xType === "date" ? "date" : (chart.xType || "linear"),
        title: chart.xTitle ? { text: label(chart.xTitle) } : undefined,
        nticks: NARROW ? 4 : undefined,
        tickangle: 0,
        automargin: true
      },
      yaxis: { title: { text: label(chart.yTitle || "") }, rangemode: "tozero", automargin: true },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, sans-serif", size: 12, color: "#1d2330" }
    };
  }

  function drawCharts() {
    var pending = [];
    (data.charts || []).forEach(function (chart) {
      var node = document.getElementById("chart-" + chart.id);
      if (!node) { return; }
      var traces = chart.series.map(function (s, i) { return traceFor(chart, s, i); });
      var points = chart.series.reduce(function (n, s) { return n + s.y.length; }, 0);
      node.setAttribute("data-points", String(points));
      pending.push(Plotly.newPlot(node, traces, layoutFor(chart), {
        displaylogo: false,
        displayModeBar: false,
        responsive: true
      }).then(function () { node.setAttribute("data-rendered", "1"); }));
    });
    return Promise.all(pending);
  }

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

  function foldNavOnPhones() {
    var nav = document.querySelector(".side details");
    if (nav && window.matchMedia("(max-width: 860px)").matches) { nav.open = false; }
  }

  foldNavOnPhones();
  setupToggles();
  drawCharts().then(function () {
    document.body.setAttribute("data-charts-ready", "1");
    window.__reportReadyAt = performance.now();
  }, function (error) {
    console.error("chart rendering failed: " + error);
  });
})();
