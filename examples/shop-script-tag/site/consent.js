// Runs before the tracker (scripts with `defer` run in order): queue the visitor's earlier
// consent decision on the snippet stub, so the tracker applies it before its first page view
// and keeps the same visitor and session across pages.
(function () {
  var w = window;
  w.omnitrail = w.omnitrail || function () { (w.omnitrail.q = w.omnitrail.q || []).push(arguments); };
  try {
    var saved = localStorage.getItem('demo_consent');
    if (saved === 'granted' || saved === 'denied') w.omnitrail('consent', saved);
  } catch (e) {
    /* storage blocked: the banner asks again */
  }
})();
