// 実績: the 印刷 button prints the page (a script file: the Content-Security-Policy refuses inline handlers).
(function () {
  "use strict";
  document.querySelectorAll("button.print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
