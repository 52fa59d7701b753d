// 住民検索: results as the operator types (GET /api/residents?q=); the form works without this script.
// Arrow keys move through the results, Enter opens the chosen one.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const table = document.getElementById("results");
  if (!input || !table) { return; }
  const body = table.querySelector("tbody");
  const none = document.getElementById("none");
  let timer = null;
  let active = -1;
  let seq = 0;

  function cell(tr, text) { const td = document.createElement("td"); td.textContent = text || ""; tr.appendChild(td); return td; }

  function show(residents) {
    body.textContent = "";
    active = -1;
    residents.forEach(function (r) {
      const tr = document.createElement("tr");
      const a = document.createElement("a");
      a.href = input.dataset.page.replace(/0$/, String(r.id));
      a.textContent = r.name;
      cell(tr, "").appendChild(a);
      cell(tr, r.kana); cell(tr, r.address); cell(tr, r.phone); cell(tr, r.district);
      body.appendChild(tr);
    });
    none.hidden = residents.length > 0 || input.value.trim() === "";
  }

  function search() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { show([]); return; }
    fetch(input.dataset.api + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { if (mine === seq) { show(data.residents); } })
      .catch(function () { /* the form still works: Enter submits it */ });
  }

  function move(step) {
    const rows = body.querySelectorAll("tr");
    if (!rows.length) { return; }
    if (active >= 0) { rows[active].classList.remove("active"); }
    active = Math.max(0, Math.min(rows.length - 1, active + step));
    rows[active].classList.add("active");
    rows[active].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else if (ev.key === "Enter" && active >= 0) {
      ev.preventDefault();
      window.location.href = body.querySelectorAll("tr")[active].querySelector("a").href;
    }
  });
}());
