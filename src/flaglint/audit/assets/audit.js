
// The page reads fine without this script: it only shows the filters and
// makes the table headers sort. Nothing opens folded lists (printing too).
(function () {
  var boxes = document.querySelectorAll('.filter[data-for]');
  Array.prototype.forEach.call(boxes, function (box) {
    var table = document.getElementById(box.getAttribute('data-for'));
    if (!table) { return; }
    box.hidden = false;
    var rows = table.tBodies[0].rows;
    var text = box.querySelector('input');
    var selects = box.querySelectorAll('select');
    var status = box.querySelector('[role=status]');
    var apply = function () {
      var needle = text ? text.value.toLowerCase() : '', shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i], ok = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
        for (var j = 0; ok && j < selects.length; j++) {
          var s = selects[j], want = s.value, name = 'data-' + s.getAttribute('data-attr');
          if (!want) { continue; }
          var have = row.getAttribute(name) || '';
          ok = s.hasAttribute('data-min') ? have !== '' && +have >= +want
            : (' ' + have + ' ').indexOf(' ' + want + ' ') !== -1;
        }
        row.hidden = !ok;
        if (ok) { shown++; }
      }
      if (status) { status.textContent = shown + ' of ' + rows.length + ' shown'; }
    };
    if (text) { text.addEventListener('input', apply); }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener('change', apply); });
  });
  var sortable = document.querySelectorAll('table[data-sortable]');
  Array.prototype.forEach.call(sortable, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = th.textContent;
      th.textContent = '';
      th.appendChild(button);
      button.addEventListener('click', function () {
        var down = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', down ? 'ascending' : 'descending');
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var value = function (row) {
          var cell = row.cells[column];
          return cell.getAttribute('data-v') || cell.textContent.trim();
        };
        var numeric = rows.every(function (r) { var v = value(r); return v === '' || !isNaN(+v); });
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          var order = numeric ? (+x) - (+y) : x < y ? -1 : x > y ? 1 : 0;
          return down ? order : -order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
