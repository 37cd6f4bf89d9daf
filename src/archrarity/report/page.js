/* archrarity report/page.js: the catalog table's filter and sort, hand-written for this page
   (no third-party code). index.html inlines it and pins it by its sha256 in the page's
   Content-Security-Policy, so no other script can run and nothing is fetched. */
(function () {
  "use strict";
  var source = document.getElementById("catalog-data");
  var table = document.getElementById("catalog-table");
  if (!source || !table) { return; }
  var data = JSON.parse(source.textContent);
  var columns = data.columns;
  var rows = data.rows;
  var index = {};
  columns.forEach(function (name, i) { index[name] = i; });
  var numeric = {};
  columns.forEach(function (name, i) {
    numeric[name] = rows.some(function (row) { return typeof row[i] === "number"; });
  });
  var text = document.getElementById("filter-text");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-column]"));
  var count = document.getElementById("catalog-count");
  var body = table.tBodies[0];
  var sortColumn = null;
  var sortDescending = false;

  function cell(value) { return value === null || value === undefined ? "" : String(value); }

  // Each select offers the values its column holds.
  selects.forEach(function (select) {
    var column = select.getAttribute("data-column");
    if (!(column in index)) { select.parentNode.hidden = true; return; }
    var seen = {};
    rows.forEach(function (row) {
      var value = row[index[column]];
      if (value === null || value === undefined || value === "") { return; }
      if (column === "selected_by") {
        String(value).split(", ").forEach(function (part) { seen[part] = true; });
      } else {
        seen[cell(value)] = true;
      }
    });
    Object.keys(seen).sort().forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
  });

  function matches(row) {
    var query = text.value.trim().toLowerCase();
    if (query) {
      var haystack = ["model_id", "model_name", "family"].map(function (name) {
        return name in index ? cell(row[index[name]]).toLowerCase() : "";
      }).join(" ");
      if (haystack.indexOf(query) < 0) { return false; }
    }
    return selects.every(function (select) {
      var column = select.getAttribute("data-column");
      if (!select.value || !(column in index)) { return true; }
      var value = cell(row[index[column]]);
      if (column === "selected_by") { return value.split(", ").indexOf(select.value) >= 0; }
      return value === select.value;
    });
  }

  function compare(a, b) {
    var i = index[sortColumn];
    var x = a[i], y = b[i];
    if (x === null || x === undefined || x === "") { return (y === null || y === undefined || y === "") ? 0 : 1; }
    if (y === null || y === undefined || y === "") { return -1; }  // empty cells last, either way
    var order = numeric[sortColumn] ? x - y : String(x).localeCompare(String(y));
    return sortDescending ? -order : order;
  }

  function render() {
    var shown = rows.filter(matches);
    if (sortColumn !== null) { shown.sort(compare); }
    var fragment = document.createDocumentFragment();
    shown.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row[index.selected_by]) { tr.className = "selected"; }
      tr.setAttribute("data-model-id", cell(row[index.model_id]));
      columns.forEach(function (name, i) {
        var td = document.createElement("td");
        var value = row[i];
        if (name === "source_url" && /^https?:\/\//.test(cell(value))) {
          var link = document.createElement("a");
          link.href = value;
          link.textContent = "source";
          link.rel = "noreferrer";
          td.appendChild(link);
        } else if (typeof value === "number") {
          td.className = "num";
          td.textContent = Number.isInteger(value) ? String(value) : value.toFixed(4);
        } else if (typeof value === "boolean") {
          td.textContent = value ? "yes" : "no";
        } else {
          td.textContent = cell(value);
        }
        if (name === "model_id") { td.className = "mono"; }
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    count.textContent = "Showing " + shown.length + " of " + rows.length + " rows on this page.";
  }

  var head = table.tHead.rows[0];
  Array.prototype.forEach.call(head.cells, function (th) {
    th.addEventListener("click", function () {
      var column = th.getAttribute("data-column");
      sortDescending = sortColumn === column ? !sortDescending : numeric[column];
      sortColumn = column;
      Array.prototype.forEach.call(head.cells, function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDescending ? "descending" : "ascending");
      render();
    });
  });
  text.addEventListener("input", render);
  selects.forEach(function (select) { select.addEventListener("change", render); });
  render();
})();
