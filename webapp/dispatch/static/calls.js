// 連絡リスト: ask before 取消希望 cancels a request, and a print button. No other host is contacted.
(function () {
  "use strict";
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });
  const print = document.getElementById("print-calls");
  if (print) {
    print.hidden = false;  // printing needs the script; without it the browser's own print works
    print.addEventListener("click", function () { window.print(); });
  }
}());
