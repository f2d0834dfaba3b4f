// Detects the browser's time zone for the invitee pages (same origin; no inline script).
// A page rendered without a `tz` in its address says so with data-detect-zone: it is opened again
// with the detected zone, so times are shown where the invitee is. Forms get it in their `tz` field.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  var fields = document.querySelectorAll("input[name='tz']");
  for (var i = 0; i < fields.length; i += 1) {
    if (!fields[i].value) {
      fields[i].value = zone;
    }
  }
  var root = document.documentElement;
  if (root.getAttribute("data-detect-zone") === "1" && root.getAttribute("data-zone") !== zone) {
    var url = new URL(window.location.href);
    if (!url.searchParams.has("tz")) {
      url.searchParams.set("tz", zone);
      window.location.replace(url.toString());
    }
  }
})();
