// The partnership's report for a period: one chart per dimension, the figures, and the same figures as CSV.
"use strict";
(() => {
  const day = d => d.toISOString().slice(0, 10);
  const query = () => new URLSearchParams({ from: document.getElementById("from").value, to: document.getElementById("to").value });

  async function show() {
    const report = await Api.get(`/api/report?${query()}`);
    document.getElementById("summary").textContent =
      `${report.cases} case(s) opened from ${report.from.slice(0, 10)} to before ${report.to.slice(0, 10)}. Aggregates only.`;
    const charts = document.getElementById("charts");
    charts.replaceChildren();
    const dimensions = [...new Set(report.groups.map(g => g.dimension))];
    for (const dimension of dimensions) {
      const groups = report.groups.filter(g => g.dimension === dimension);
      const section = document.createElement("section");
      const h2 = document.createElement("h2");
      h2.textContent = `By ${dimension}`;
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.classList.add("chart");
      section.append(h2, svg);
      charts.appendChild(section);
      Charts.bars(svg, groups.map(g => ({ label: g.value, values: [g.cases, g.deadlinesMissed, g.feedbackGiven] })),
        ["cases", "deadlines missed", "feedback given"]);
    }
    const body = document.querySelector("#groups tbody");
    body.replaceChildren();
    for (const g of report.groups) {
      const tr = body.insertRow();
      cell(tr, g.dimension); cell(tr, g.value); cell(tr, g.cases); cell(tr, g.resolved);
      cell(tr, g.medianHoursToResolve ?? ""); cell(tr, g.deadlinesMissed); cell(tr, g.feedbackGiven);
    }
  }

  async function downloadCsv() {
    const response = await fetch(`/api/report.csv?${query()}`, { headers: { "x-operator-token": Api.token() } });
    if (!response.ok) { document.getElementById("summary").textContent = `CSV failed: HTTP ${response.status}`; return; }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `partnership-report-${document.getElementById("from").value}-${document.getElementById("to").value}.csv`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  let started = false;
  function start() {
    if (started) return;
    started = true;
    const today = new Date();
    document.getElementById("to").value = day(today);
    document.getElementById("from").value = day(new Date(today.getTime() - 29 * 86400000));
    document.getElementById("period").addEventListener("submit", e => { e.preventDefault(); show().catch(console.warn); });
    document.getElementById("csv").addEventListener("click", () => downloadCsv().catch(console.warn));
    show().catch(console.warn);
  }

  login(start);
})();
