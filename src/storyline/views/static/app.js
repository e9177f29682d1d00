// storyline web app: zoom and pan of the timeline chart, quick filter of the chart and the list.
// Loaded from /static (the Content-Security-Policy forbids inline scripts); the pages work without it.
//
// Zoom stretches the time axis only: the viewBox narrows horizontally (the chart is drawn with
// preserveAspectRatio="none" and non-scaling strokes), and every text and dot is scaled back
// around its own x (a label: around the edge of its marker) so that it keeps its size and gap. Labels never overlap at the full view, and
// zooming in only moves them further apart.
(function () {
  "use strict";

  var MAX_ZOOM = 400;

  function setupChart(figure) {
    var svg = figure.querySelector("svg.timeline-chart");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) { return; }
    var base = svg.viewBox.baseVal;
    var home = { x: base.x, y: base.y, w: base.width, h: base.height };
    var view = { x: home.x, w: home.w };
    var keepSize = Array.prototype.slice.call(svg.querySelectorAll("text, circle"));

    function apply() {
      svg.setAttribute("viewBox", [view.x, home.y, view.w, home.h].map(function (v) { return +v.toFixed(3); }).join(" "));
      var k = home.w / view.w;
      keepSize.forEach(function (el) {
        if (k === 1) { el.removeAttribute("transform"); return; }
        var ax = parseFloat(el.getAttribute("data-ax") ||
                            el.getAttribute(el.tagName.toLowerCase() === "circle" ? "cx" : "x")) || 0;
        el.setAttribute("transform", "translate(" + ax + " 0) scale(" + (1 / k) + " 1) translate(" + (-ax) + " 0)");
      });
    }
    function clamp() {
      view.x = Math.max(home.x, Math.min(view.x, home.x + home.w - view.w));
    }
    function zoom(factor, cx) {
      var w = Math.min(home.w, Math.max(home.w / MAX_ZOOM, view.w * factor));
      if (cx === undefined) { cx = view.x + view.w / 2; }
      view.x = cx - (cx - view.x) * (w / view.w);
      view.w = w;
      clamp();
      apply();
    }
    function svgX(ev) {
      var r = svg.getBoundingClientRect();
      return view.x + (ev.clientX - r.left) / r.width * view.w;
    }

    Array.prototype.forEach.call(figure.querySelectorAll("[data-zoom]"), function (button) {
      button.addEventListener("click", function () {
        var what = button.getAttribute("data-zoom");
        if (what === "in") { zoom(0.5); }
        else if (what === "out") { zoom(2); }
        else { view = { x: home.x, w: home.w }; apply(); }
      });
    });
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, svgX(ev));
    }, { passive: false });

    var drag = null;
    var moved = false;
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) { return; }
      drag = { x: ev.clientX, vx: view.x };
      moved = false;
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      var dx = ev.clientX - drag.x;
      if (!moved && Math.abs(dx) < 4) { return; }
      if (!moved) { moved = true; svg.classList.add("dragging"); svg.setPointerCapture(ev.pointerId); }
      view.x = drag.vx - dx / svg.getBoundingClientRect().width * view.w;
      clamp();
      apply();
    });
    function endDrag() { drag = null; svg.classList.remove("dragging"); }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    // A drag that ends on an event must not follow its link.
    svg.addEventListener("click", function (ev) { if (moved) { ev.preventDefault(); moved = false; } }, true);
  }

  function setupQuickFilter(input) {
    input.addEventListener("input", function () {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(document.querySelectorAll("[data-search]"), function (el) {
        var text = el.getAttribute("data-search") || "";
        var hide = terms.some(function (t) { return text.indexOf(t) < 0; });
        el.classList.toggle("filtered-out", hide);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), setupChart);
    Array.prototype.forEach.call(document.querySelectorAll("[data-quick-filter]"), setupQuickFilter);
  });
}());
