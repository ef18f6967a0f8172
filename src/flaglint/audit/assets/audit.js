
(function () {
  var box = document.getElementById('finding-filters');
  var table = document.getElementById('findings-table');
  if (box && table) {
    box.hidden = false;
    var text = document.getElementById('finding-text');
    var severity = document.getElementById('finding-severity');
    var status = document.getElementById('finding-status');
    var rows = table.tBodies[0].rows;
    var apply = function () {
      var needle = text.value.toLowerCase(), level = severity.value, shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ok = (!level || row.getAttribute('data-severity') === level) &&
          (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
        row.hidden = !ok;
        if (ok) { shown++; }
      }
      status.textContent = shown + ' of ' + rows.length + ' findings shown';
    };
    text.addEventListener('input', apply);
    severity.addEventListener('change', apply);
  }
  window.addEventListener('beforeprint', function () {
    var all = document.querySelectorAll('details:not([data-print="folded"])');
    for (var i = 0; i < all.length; i++) { all[i].open = true; }
  });
})();
