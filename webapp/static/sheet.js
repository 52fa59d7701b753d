// The stop sheet's print button (a script file: no inline handlers).
document.getElementById("print-sheet").addEventListener("click", () => window.print());
