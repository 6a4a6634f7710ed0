// Live board: polls the hub's small JSON endpoints (flow every second, the rest every few seconds) and redraws.
"use strict";
(() => {
  let started = false;

  async function refreshFlow() {
    const params = new URLSearchParams({ limit: "100" });
    const agency = document.getElementById("f-agency").value.trim();
    const type = document.getElementById("f-type").value.trim();
    const status = document.getElementById("f-status").value;
    if (agency) params.set("agency", agency);
    if (type) params.set("type", type);
    if (status) params.set("status", status);
    const rows = await Api.get(`/api/flow?${params}`);
    const body = document.querySelector("#flow tbody");
    body.replaceChildren();
    for (const f of rows) {
      const tr = body.insertRow();
      tr.dataset.messageId = f.messageId;
      tr.dataset.caseReference = f.caseReference || "";
      cell(tr, time(f.recordedAt));
      cell(tr, f.messageType);
      cell(tr, f.from);
      cell(tr, f.to);
      cell(tr, f.caseReference);
      cell(tr, f.status, `status-${f.status}`);
      cell(tr, f.sentAt && f.acknowledgedAt ? `${Math.max(0, new Date(f.acknowledgedAt) - new Date(f.sentAt))} ms` : "");
      cell(tr, f.error, "error");
    }
  }

  async function refreshStats() {
    const stats = await Api.get("/api/stats?minutes=60");
    const byAgency = new Map();
    for (const r of stats.rows) {
      const a = byAgency.get(r.agency) || { perMinute: 0, p50: 0, p95: 0 };
      a.perMinute += r.perMinute;
      a.p50 = Math.max(a.p50, r.latencyP50Ms);
      a.p95 = Math.max(a.p95, r.latencyP95Ms);
      byAgency.set(r.agency, a);
    }
    const agencies = [...byAgency.keys()].sort();
    Charts.bars(document.getElementById("throughput-chart"), agencies.map(a => ({ label: a, values: [byAgency.get(a).perMinute] })), ["messages/min"]);
    Charts.bars(document.getElementById("latency-chart"), agencies.map(a => ({ label: a, values: [byAgency.get(a).p50, byAgency.get(a).p95] })), ["p50 ms", "p95 ms"]);
  }

  async function refreshQueues() {
    const q = await Api.get("/api/queues");
    document.getElementById("queues-note").textContent = `${q.source}: outbox backlog ${q.outboxBacklog}${q.note ? " — " + q.note : ""}`;
    const body = document.querySelector("#queues tbody");
    body.replaceChildren();
    for (const d of q.queues) {
      const tr = body.insertRow();
      if (d.queue.endsWith("_error") && d.messages > 0) tr.className = "alert";
      cell(tr, d.queue); cell(tr, d.messages); cell(tr, d.ready); cell(tr, d.unacknowledged); cell(tr, d.consumers);
    }
  }

  async function refreshAdapters() {
    const body = document.querySelector("#adapters tbody");
    const adapters = await Api.get("/api/adapters");
    body.replaceChildren();
    for (const a of adapters) {
      const tr = body.insertRow();
      tr.dataset.agency = a.agencyCode;
      if (a.silent) tr.className = "alert";
      cell(tr, a.agencyCode); cell(tr, a.version); cell(tr, time(a.lastHeartbeatAt));
      cell(tr, a.silent ? `SILENT for ${a.silentFor.split(".")[0]}` : "alive");
    }
  }

  async function refreshOverdue() {
    const body = document.querySelector("#overdue tbody");
    const stages = await Api.get(`/api/overdue?withinMinutes=${document.getElementById("due-within").value}`);
    body.replaceChildren();
    for (const s of stages) {
      const tr = body.insertRow();
      if (s.overdue) tr.className = "alert";
      cell(tr, s.stage.caseReference); cell(tr, s.stage.stage); cell(tr, s.stage.waitingOnAgency); cell(tr, s.stage.otherAgency);
      cell(tr, time(s.stage.dueAt)); cell(tr, s.stage.rule); cell(tr, s.stage.harmLevel);
      cell(tr, s.overdue ? `OVERDUE by ${s.overdueBy.split(".")[0]}` : "due soon");
    }
  }

  async function refreshDeadLetters() {
    const body = document.querySelector("#dead-letters tbody");
    const letters = await Api.get("/api/dead-letters");
    body.replaceChildren();
    for (const d of letters) {
      const tr = body.insertRow();
      tr.dataset.id = d.id;
      cell(tr, time(d.failedAt)); cell(tr, d.messageType); cell(tr, d.queue); cell(tr, d.caseReference); cell(tr, d.reason, "error");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "redrive";
      button.dataset.id = d.id;
      button.textContent = "Redrive";
      button.addEventListener("click", () => redrive({ ids: [d.id], all: false }));
      tr.insertCell().appendChild(button);
    }
  }

  async function redrive(request) {
    const result = document.getElementById("redrive-result");
    try {
      const outcomes = await Api.post("/api/dead-letters/redrive", { ...request, reason: "redriven from the dashboard" });
      result.textContent = outcomes.length === 0 ? "nothing to redrive" : outcomes.map(o => `${o.id}: ${o.detail}`).join("; ");
    } catch (e) {
      result.textContent = `redrive failed: ${e.message}`;
    }
    await Promise.allSettled([refreshDeadLetters(), refreshFlow()]);
  }

  function every(ms, fn) {
    const run = async () => { try { await fn(); } catch (e) { console.warn(e); } finally { setTimeout(run, ms); } };
    run();
  }

  function start() {
    if (started) return;
    started = true;
    document.getElementById("redrive-all").addEventListener("click", () => redrive({ all: true }));
    document.getElementById("filters").addEventListener("input", () => refreshFlow().catch(() => {}));
    document.getElementById("due-within").addEventListener("change", () => refreshOverdue().catch(() => {}));
    every(1000, refreshFlow);
    every(2000, refreshDeadLetters);
    every(5000, refreshStats);
    every(5000, refreshQueues);
    every(5000, refreshAdapters);
    every(10000, refreshOverdue);
  }

  login(start);
})();
