// The dashboard's calls to the hub: JSON over fetch, with the operator token in the x-operator-token header.
"use strict";
const Api = (() => {
  const key = "escalationhub.operatorToken";
  let onUnauthorised = () => {};

  async function call(path, options = {}) {
    const headers = { "x-operator-token": sessionStorage.getItem(key) || "", ...(options.headers || {}) };
    const response = await fetch(path, { ...options, headers, cache: "no-store" });
    if (response.status === 401 || response.status === 403) { onUnauthorised(response.status); throw new Error("not authorised"); }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.headers.get("content-type")?.includes("json") ? response.json() : response.text();
  }

  return {
    get: path => call(path),
    post: (path, body) => call(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    setToken: token => sessionStorage.setItem(key, token),
    hasToken: () => !!sessionStorage.getItem(key),
    clearToken: () => sessionStorage.removeItem(key),
    onUnauthorised: handler => { onUnauthorised = handler; },
    token: () => sessionStorage.getItem(key) || "",
  };
})();

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function time(iso) { return iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : ""; }

// Shows the token form until a token works; calls start() once one does.
function login(start) {
  const form = document.getElementById("login"), board = document.getElementById("board");
  const connection = document.getElementById("connection");
  Api.onUnauthorised(status => {
    Api.clearToken();
    board.hidden = true; form.hidden = false;
    connection.textContent = "not connected";
    document.getElementById("login-error").textContent = status === 401 ? "Enter the operator token." : "That is not the operator token.";
  });
  form.addEventListener("submit", async e => {
    e.preventDefault();
    Api.setToken(document.getElementById("token").value.trim());
    try { await Api.get("/api/adapters"); } catch { return; }
    form.hidden = true; board.hidden = false;
    connection.textContent = "connected";
    start();
  });
  if (Api.hasToken()) { form.hidden = true; board.hidden = false; connection.textContent = "connected"; start(); }
  else form.hidden = false;
}
