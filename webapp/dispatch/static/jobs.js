// Planning jobs: follow a running job's progress, and ask before publishing. No other host is contacted.
(function () {
  "use strict";
  var ACTIVE = { queued: true, running: true };

  function follow(box) {
    var bar = box.querySelector("progress");
    var pct = box.querySelector(".job-progress");
    var words = box.querySelector(".job-words");
    var found = box.querySelector(".job-found");
    function poll() {
      fetch(box.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          // the expected end can move later with an improvement: never step the bar back
          var shown = Math.max(bar.value, job.progress);
          bar.value = shown;
          pct.textContent = shown + "%";
          words.textContent = job.words;
          if (found && job.found) { found.textContent = job.found.words; found.hidden = false; }
          if (ACTIVE[job.state]) { setTimeout(poll, 1000); } else { window.location = box.dataset.doneUrl; }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    var state = (box.className.match(/job-(queued|running)/) || [])[1];
    if (state) { setTimeout(poll, 1000); }
  }

  document.querySelectorAll("section.job[data-job-url]").forEach(follow);
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
}());
