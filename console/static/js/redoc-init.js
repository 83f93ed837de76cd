/* Starts ReDoc on the /redoc page (console/templates/apidocs/redoc.html). In a file of its own
   because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  /* ReDoc 2.x always renders an <img> of https://cdn.redoc.ly/redoc/logo-mini.svg beside
     "API docs by Redocly" in its side menu, and has no option to leave it out. On an intranet
     that is a blocked request (a CSP violation) or a hanging one. So, before ReDoc renders
     anything, make any <img> source on another origin a blank local image instead, whether
     it is set as a property (React 18, which ReDoc 2.5 bundles, does that) or as an
     attribute. Images in the API description's Markdown are not affected (they go through
     innerHTML); the CSP blocks those, and our descriptions have none. */
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

  function foreign(url) {
    var text = String(url);
    if (/^\s*(data|blob):/i.test(text)) {
      return false;
    }
    try {
      return new URL(text, document.baseURI).origin !== window.location.origin;
    } catch (e) {
      return false;
    }
  }

  var setAttribute = Element.prototype.setAttribute;
  HTMLImageElement.prototype.setAttribute = function (name, value) {
    if (String(name).toLowerCase() === "src" && foreign(value)) {
      value = BLANK;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, foreign(value) ? BLANK : value);
    }
  });

  /* ReDoc's default fonts are Roboto and Montserrat, which ReDoc's sample page loads from
     Google; this page loads no fonts, so name fonts an office PC has, Chinese ones included. */
  var SANS = "system-ui, -apple-system, \"Segoe UI\", \"PingFang SC\", \"Hiragino Sans GB\", " +
    "\"Microsoft YaHei\", \"Noto Sans CJK SC\", \"Source Han Sans SC\", " +
    "\"WenQuanYi Micro Hei\", Roboto, \"Helvetica Neue\", Arial, sans-serif";
  var MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, \"Liberation Mono\", " +
    "\"DejaVu Sans Mono\", monospace";

  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-openapi-url"), {
    theme: {
      typography: {
        fontFamily: SANS,
        headings: { fontFamily: SANS },
        code: { fontFamily: MONO }
      }
    }
  }, root);
})();
