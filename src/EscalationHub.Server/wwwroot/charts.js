// Small SVG bar charts drawn with the DOM (no libraries, nothing fetched from elsewhere).
"use strict";
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const palette = ["#1f6feb", "#d29922", "#8250df", "#2da44e", "#cf222e", "#0a7c86"];

  function el(name, attributes, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // groups: [{ label, values: [number, ...] }], series: names of the values (one colour each).
  function bars(svg, groups, series) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const width = svg.clientWidth || 480, height = svg.clientHeight || 220;
    const left = 48, bottom = 46, top = 18;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    if (groups.length === 0) {
      svg.appendChild(el("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "no messages in the window"));
      return;
    }
    const max = Math.max(1e-9, ...groups.flatMap(g => g.values));
    const plotHeight = height - bottom - top;
    const groupWidth = (width - left - 8) / groups.length;
    const barWidth = Math.max(2, (groupWidth - 8) / series.length);
    svg.appendChild(el("line", { x1: left, y1: top + plotHeight, x2: width - 4, y2: top + plotHeight, stroke: "#8c959f" }));
    svg.appendChild(el("text", { x: left - 4, y: top + 4, "text-anchor": "end" }, format(max)));
    svg.appendChild(el("text", { x: left - 4, y: top + plotHeight, "text-anchor": "end" }, "0"));
    groups.forEach((g, i) => {
      const x0 = left + i * groupWidth + 4;
      g.values.forEach((v, s) => {
        const h = (v / max) * plotHeight;
        const bar = el("rect", { x: x0 + s * barWidth, y: top + plotHeight - h, width: barWidth - 1, height: h, fill: palette[s % palette.length] });
        bar.appendChild(el("title", {}, `${g.label} ${series[s]}: ${format(v)}`));
        svg.appendChild(bar);
      });
      svg.appendChild(el("text", { x: x0 + groupWidth / 2 - 4, y: height - bottom + 14, "text-anchor": "middle" }, g.label));
    });
    series.forEach((name, s) => {
      svg.appendChild(el("rect", { x: left + s * 110, y: height - 16, width: 10, height: 10, fill: palette[s % palette.length] }));
      svg.appendChild(el("text", { x: left + s * 110 + 14, y: height - 7 }, name));
    });
  }

  function format(v) { return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2); }

  return { bars };
})();
