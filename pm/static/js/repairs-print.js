// Printable pages of the repairs (the QR poster, the work order 派工单): the print button (no inline scripts
// under our CSP).
document.addEventListener('DOMContentLoaded', function () {
  ['print-poster', 'print-order'].forEach(function (id) {
    var button = document.getElementById(id);
    if (button) {
      button.addEventListener('click', function () { window.print(); });
    }
  });
});
