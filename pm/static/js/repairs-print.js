// Printable QR poster of a compound's repair page: the print button (no inline scripts under our CSP).
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('print-poster');
  if (button) {
    button.addEventListener('click', function () { window.print(); });
  }
});
