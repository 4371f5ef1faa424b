// Printable plan lists and receipts: the print button (no inline scripts under our CSP).
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('print-page');
  if (button) {
    button.addEventListener('click', function () { window.print(); });
  }
});
